"""Triage in front of Claude: which clauses are clearly fair and can skip the paid call.

A clause is sent to Claude when any of its sentences is likely to hold an unfair term: its score
is the highest triage probability over the clause's sentences, each read with its neighbours in
the clause (``classifier.ClauseClassifier.triage_probabilities``: a logistic model of the
sentence's and its neighbours' highest CLAUDETTE category log-odds), and ``send`` is
``score >= threshold``. The default threshold is the one shipped with
the classifier's weights (``ClauseClassifier.triage_threshold``), chosen in training by
cross-validation to keep 98.5% of unfair sentences; ``Settings.triage_threshold`` overrides it.

Category rules, knowledge-base triggers and risk signals are listed among the reasons but do not
send a clause on their own: they match more than half of the clearly fair sentences of the
CLAUDETTE corpus, and adding them to the classifier's score kept no more unfair sentences for the
same number sent (``bench/offline_eval.py`` measures the classifier rule). A skipped clause keeps
its full offline analysis, knowledge-base matches included.
"""

from __future__ import annotations

from dataclasses import dataclass

from clauselens.analyzers.base import ClauseInput
from clauselens.analyzers.offline.analyzer import analyze_input
from clauselens.analyzers.offline.classifier import load_classifier
from clauselens.analyzers.offline.detect import Detection, detect
from clauselens.schemas import AnalysisResult


@dataclass(frozen=True)
class TriageDecision:
    """Whether a clause deserves a model call, how strongly, and why."""

    send: bool
    score: float
    reasons: list[str]


def shipped_threshold() -> float:
    """The triage threshold that comes with the shipped classifier weights."""
    return load_classifier().triage_threshold


def decide(detection: Detection, threshold: float | None = None) -> TriageDecision:
    """The triage decision for an existing detection (``threshold``: None for the shipped one)."""
    cut = shipped_threshold() if threshold is None else threshold
    score = detection.triage_score
    send = score >= cut
    reasons: list[str] = []
    classified = sorted({f.category for f in detection.findings if f.source == "classifier"})
    if classified:
        reasons.append(f"classifier categories: {', '.join(classified)}")
    ruled = sorted({f.category for f in detection.findings if f.source == "rule"})
    if ruled:
        reasons.append(f"rule categories: {', '.join(ruled)}")
    if detection.engagements:
        names = ", ".join(e.regulation.short_name for e in detection.engagements)
        reasons.append(f"knowledge-base triggers: {names}")
    if detection.risk_sentences:
        reasons.append(f"risk signals in {len(detection.risk_sentences)} sentence(s)")
    relation = ">=" if send else "<"
    reasons.append(f"unfair-term probability {score:.4g} {relation} triage threshold {cut:.4g}")
    if not send:
        reasons.append("no category likely to be an unfair term: clearly fair for triage")
    return TriageDecision(send=send, score=round(score, 6), reasons=reasons)


def triage(clause: ClauseInput | str, threshold: float | None = None) -> TriageDecision:
    """Decide whether ``clause`` (an input or its text) should be sent to Claude."""
    text = clause if isinstance(clause, str) else clause.text
    return decide(detect(text), threshold)


def triaged_result(clause: ClauseInput, threshold: float | None = None) -> AnalysisResult | None:
    """None when the clause should go to Claude; else its offline result, marked triaged out.

    The skipped clause keeps its offline analysis, and ``triage_reason`` says why it was kept
    back, so a run stores something for every clause.
    """
    decision = triage(clause, threshold)
    if decision.send:
        return None
    result = analyze_input(clause)
    return result.model_copy(
        update={"triaged_out": True, "triage_reason": "; ".join(decision.reasons)}
    )
