"""Triage in front of Claude, and the disagreement between an offline and a Claude analysis."""

from __future__ import annotations

from clauselens.analyzers.base import ClauseInput, DocumentContext
from clauselens.analyzers.offline import analyze_clause, load_classifier, triage, triaged_result
from clauselens.analyzers.offline.detect import Detection, Finding
from clauselens.analyzers.offline.triage import decide
from clauselens.review.flags import disagreement
from clauselens.textnorm import clause_sha256


def _input(text: str) -> ClauseInput:
    doc = DocumentContext(entity="Example", title="Terms", terms_type="Terms of Service")
    return ClauseInput(
        clause_sha256=clause_sha256(text),
        heading_path=("Terms",),
        text=text,
        prompt_text=text,
        truncated=False,
        truncation_reason=None,
        document=doc,
    )


class TestTriage:
    def test_unfair_term_is_sent(self) -> None:
        """A clause with an unfair-term category is sent to Claude."""
        decision = triage("We may change these terms at any time without notice.")
        assert decision.send
        assert decision.reasons

    def test_empty_clause_is_skipped_with_a_reason(self) -> None:
        """A clause with nothing in it is not sent, and the reason says why."""
        decision = triage("Contact")
        assert not decision.send
        assert "clearly fair" in decision.reasons[-1]

    def test_one_likely_unfair_sentence_sends_the_clause(self) -> None:
        """The clause score is its most likely unfair sentence, so one is enough to send it."""
        fair = "You can contact our support team by email."
        assert not triage(fair).send
        assert triage(f"{fair} We may terminate your account at any time without notice.").send

    def test_default_threshold_is_the_shipped_one(self) -> None:
        """Without a threshold, triage uses the one shipped with the classifier weights."""
        shipped = load_classifier().triage_threshold
        for text in ("Contact", "We may change these terms at any time without notice."):
            assert triage(text) == triage(text, threshold=shipped)

    def test_rule_matches_alone_do_not_send(self) -> None:
        """Rule categories and risk signals are reported but do not send a clause on their own."""
        sentence = "Disputes are settled by arbitration at our sole discretion."
        detection = Detection(
            sentences=[sentence],
            findings=[Finding("arbitration", sentence, "rule", 1.0)],
            risk_sentences=[sentence],
            triage_score=0.001,
        )
        decision = decide(detection, threshold=0.01)
        assert not decision.send
        assert any("rule categories: arbitration" in r for r in decision.reasons)

    def test_threshold_is_respected(self) -> None:
        """A threshold above every score skips even a flagged clause; zero sends everything."""
        text = "We may change these terms at any time without notice."
        assert not triage(text, threshold=1.0).send
        assert triage("Contact", threshold=0.0).send


class TestTriagedResult:
    def test_kept_clause_gives_none(self) -> None:
        """A clause triage sends to Claude gets no offline stand-in."""
        assert triaged_result(_input("We may change these terms at any time.")) is None

    def test_skipped_clause_keeps_its_offline_analysis_and_says_why(self) -> None:
        """A skipped clause gets a valid offline result marked triaged out, with the reason."""
        result = triaged_result(_input("Contact"))
        assert result is not None
        assert result.triaged_out
        assert result.status == "valid"
        assert result.provenance.analyzer == "offline"
        assert "no category" in (result.triage_reason or "")


class TestDisagreement:
    def test_same_analysis_agrees(self) -> None:
        """An analysis does not disagree with itself."""
        a = analyze_clause("We may terminate your account at any time for any reason.")
        assert disagreement(a.model_dump(), a.model_dump()) == []

    def test_two_levels_apart_and_no_shared_category(self) -> None:
        """High vs low severity with disjoint categories gives two reasons."""
        high = analyze_clause("We may terminate your account at any time for any reason.")
        low = high.model_copy(update={"severity": "low", "categories": ["governing_contract"]})
        reasons = disagreement(high.model_dump(), low.model_dump())
        assert len(reasons) == 2
