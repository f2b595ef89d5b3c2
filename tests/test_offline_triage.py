"""Triage in front of Claude and the offline/Claude disagreement helper."""

from __future__ import annotations

from clauselens.analyzers.offline import analyze_clause, disagreement, triage


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
        assert "no category" in decision.reasons[-1]

    def test_threshold_is_respected(self) -> None:
        """A threshold above every score skips even a flagged clause; zero sends everything."""
        text = "We may change these terms at any time without notice."
        assert not triage(text, threshold=1.0).send
        assert triage("Contact", threshold=0.0).send


class TestDisagreement:
    def test_same_analysis_agrees(self) -> None:
        """An analysis does not disagree with itself."""
        a = analyze_clause("We may terminate your account at any time for any reason.")
        assert disagreement(a, a) == []

    def test_two_levels_apart_and_no_shared_category(self) -> None:
        """High vs low severity with disjoint categories gives two reasons."""
        high = analyze_clause("We may terminate your account at any time for any reason.")
        low = high.model_copy(update={"severity": "low", "categories": ["governing_contract"]})
        reasons = disagreement(high, low)
        assert len(reasons) == 2
