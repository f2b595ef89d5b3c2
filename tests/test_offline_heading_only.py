"""A clause that is only a heading (cut off from the section under it) provides nothing: the
offline analyzer says what it is about and names no instrument on it."""

from __future__ import annotations

from clauselens.analyzers.offline import analyze_clause


def test_a_clause_that_is_only_a_heading_names_no_instrument_and_is_low() -> None:
    """GitHub's "J. AI Features, Training, and Your Data" cut off from its section was high
    severity and named the GDPR; the section under it is where the terms are. (Its training
    category came from the words of the link's address; the rules now read only the link's
    words, so the heading here says training in them.)"""
    heading = (
        "[J. AI Features: Training AI Models on Your Data](#j-ai-features-training)\n"
        "--------------------------------------------------------------------------------"
    )
    alone = analyze_clause(heading, ["Terms of Service", "J. AI Features"])
    assert alone.categories == ["model_training_on_user_content"]
    assert alone.severity == "low"
    assert alone.applicable_agencies == []
    assert "only a heading" in alone.institutional_analysis.governance_exposure.rationale
    with_body = analyze_clause(
        heading + "\n\nWe may use your repositories and prompts to train our AI models.",
        ["Terms of Service", "J. AI Features"],
    )
    assert with_body.severity == "high"
    assert with_body.applicable_agencies
