"""The offline texts per category: what each category found means for a user (the consumer
impact) and what an organisation relying on the service should check (contract and vendor
implications), each in its own words."""

from __future__ import annotations

from clauselens.analyzers.offline import analyze_clause
from clauselens.analyzers.offline.knowledge import load_knowledge_base

# the texts every category of a group shared before each category had its own
GROUP_TEXTS = (
    "Terms of this kind are among those consumer law scrutinises for fairness",
    "This sets rights and duties between the user and the provider",
)


def test_an_arbitration_clause_says_what_arbitration_means_for_a_user() -> None:
    """Arbitration, a liability cap and a termination right were all told "Terms of this kind
    are among those consumer law scrutinises for fairness", which says nothing of what the
    term does to a user."""
    text = "Any dispute between you and us will be resolved by binding arbitration."
    analysis = analyze_clause(text, ["Disputes"], terms_type="Terms of Service")
    assert "arbitration" in analysis.categories
    impact = analysis.consumer_impact
    assert impact.startswith(load_knowledge_base().kb.consumer("arbitration"))
    assert "private arbitrator rather than a court" in impact
    assert not any(text in impact for text in GROUP_TEXTS)
    assert "(Here: \u201cAny dispute between you and us will be resolved" in impact


def test_two_categories_of_one_group_each_say_their_own() -> None:
    text = (
        "We may terminate your account at any time without notice. In no event will we be "
        "liable for any damages arising from your use of the service."
    )
    analysis = analyze_clause(text, ["Termination"], terms_type="Terms of Service")
    assert {"unilateral_termination", "limitation_of_liability"} <= set(analysis.categories)
    kb = load_knowledge_base().kb
    assert kb.consumer("unilateral_termination") in analysis.consumer_impact
    assert kb.consumer("limitation_of_liability") in analysis.consumer_impact


def test_at_most_three_categories_are_explained() -> None:
    text = (
        "We may change these terms at any time. We may terminate your account at any time. "
        "In no event will we be liable for any damages. Any dispute will be resolved by binding "
        "arbitration. You waive any right to a class action. The services are provided as is."
    )
    analysis = analyze_clause(text, ["Terms"], terms_type="Terms of Service")
    assert len(analysis.categories) > 3
    kb = load_knowledge_base().kb
    explained = [c for c in analysis.categories if kb.consumer(c) in analysis.consumer_impact]
    assert explained == analysis.categories[:3]
    assert analysis.consumer_impact.count("(Here: ") == 3


def test_contract_and_vendor_implications_are_the_categories_own() -> None:
    """Every term of the unfair-terms group was told an organisation "should check whether the
    same term applies to them under their own (business) agreement", whatever the term."""
    text = (
        "We may terminate your account at any time without notice. In no event will we be "
        "liable for any damages arising from your use of the service."
    )
    analysis = analyze_clause(text, ["Termination"], terms_type="Terms of Service")
    vendor = analysis.institutional_analysis.contract_and_vendor_implications
    kb = load_knowledge_base().kb
    assert vendor == " ".join(kb.vendor(c) for c in analysis.categories[:3])
    assert "compare the cap with the losses" in vendor
    assert "notice its accounts can be suspended or closed" in vendor
    assert "the same term applies to them under their own (business) agreement" not in vendor
