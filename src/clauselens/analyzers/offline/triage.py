"""Triage in front of Claude, and disagreement between the offline and Claude analyses.

A clause is sent to Claude unless the offline pass finds nothing: no category (classifier or
rule), no knowledge-base trigger and no risk signal. The score is the largest of: the
classifier's highest category probability over the clause's sentences, ``RULE_SCORE`` when a
category rule fires, ``KB_SCORE`` when a regulation is engaged, ``RISK_SCORE`` when a risk
signal matches. ``send`` is ``score >= threshold`` (``Settings.triage_threshold``, 0.15 by
default), so a lone weak classifier score below the threshold is the only thing that can be
dropped along with an empty result.
"""

from __future__ import annotations

from dataclasses import dataclass

from clauselens.analyzers.base import ClauseInput
from clauselens.analyzers.offline.analyzer import analyze_input
from clauselens.analyzers.offline.detect import Detection, detect
from clauselens.schemas import AnalysisResult

DEFAULT_THRESHOLD = 0.15
RULE_SCORE = 0.6
KB_SCORE = 0.5
RISK_SCORE = 0.4


@dataclass(frozen=True)
class TriageDecision:
    """Whether a clause deserves a model call, how strongly, and why."""

    send: bool
    score: float
    reasons: list[str]


def decide(detection: Detection, threshold: float = DEFAULT_THRESHOLD) -> TriageDecision:
    """The triage decision for an existing detection."""
    reasons: list[str] = []
    scores = [detection.max_probability]
    classified = sorted({f.category for f in detection.findings if f.source == "classifier"})
    ruled = sorted({f.category for f in detection.findings if f.source == "rule"})
    if classified:
        reasons.append(f"classifier categories: {', '.join(classified)}")
    if ruled:
        reasons.append(f"rule categories: {', '.join(ruled)}")
        scores.append(RULE_SCORE)
    if detection.engagements:
        names = ", ".join(e.regulation.short_name for e in detection.engagements)
        reasons.append(f"knowledge-base triggers: {names}")
        scores.append(KB_SCORE)
    if detection.risk_sentences:
        reasons.append(f"risk signals in {len(detection.risk_sentences)} sentence(s)")
        scores.append(RISK_SCORE)
    score = round(max(scores), 4)
    send = score >= threshold
    if not send:
        reasons.append(
            f"no category, knowledge-base trigger or risk signal (score {score} < {threshold})"
        )
    return TriageDecision(send=send, score=score, reasons=reasons)


def triage(clause: ClauseInput | str, threshold: float = DEFAULT_THRESHOLD) -> TriageDecision:
    """Decide whether ``clause`` (an input or its text) should be sent to Claude."""
    text = clause if isinstance(clause, str) else clause.text
    return decide(detect(text), threshold)


def triaged_result(
    clause: ClauseInput, threshold: float = DEFAULT_THRESHOLD
) -> AnalysisResult | None:
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
