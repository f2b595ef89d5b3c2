"""The offline extractive summary: its lead, and the sentence the clause's categories rest on
when the lead does not hold it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from clauselens.analyzers.offline import analyze_clause
from clauselens.analyzers.offline.summary import SUMMARY_CHARS

PREFIX = "Extractive summary (offline, rule-based): "

TWITCH_INTRODUCTION = (
    "Community is the heart of Twitch. From individual communities, built by streamers and "
    "their viewers, to the Twitch Community at large, the magic of Twitch comes from enjoying "
    "the things we love together. These guidelines set the guardrails for what behavior is and "
    "is not allowed on our service. When we find someone has violated our Community Guidelines "
    "we take actions that can include removal of content, removal of monetization tools, a "
    "warning, and/or suspension of their account."
)
REMOVAL = (
    "When we find someone has violated our Community Guidelines we take actions that can "
    "include removal of content, removal of monetization tools, a warning, and/or suspension "
    "of their account."
)


def _lead(summary: str) -> str:
    return summary.removeprefix(PREFIX).split(" Matched categories:")[0]


def test_the_summary_carries_the_sentence_the_categories_rest_on() -> None:
    """Twitch's "Introduction to Safety on Twitch" was summarised by its two opening sentences
    ("Community is the heart of Twitch. From individual communities ..."), and the sentence an
    analyst reads it for, the enforcement actions, was only in why-it-matters."""
    analysis = analyze_clause(
        TWITCH_INTRODUCTION, ["Introduction to Safety on Twitch"], terms_type="Community Guidelines"
    )
    assert "content_removal" in analysis.categories
    lead = _lead(analysis.summary)
    assert lead == f"Community is the heart of Twitch. ... {REMOVAL}"


def test_a_lead_that_holds_the_sentence_stays_as_it_is() -> None:
    text = (
        "We may remove your content if it breaks these terms. We will tell you why we removed "
        "it. We are a small team that loves its users."
    )
    analysis = analyze_clause(text, ["Content"], terms_type="Terms of Service")
    assert "content_removal" in analysis.categories
    lead = _lead(analysis.summary)
    assert lead == (
        "We may remove your content if it breaks these terms. We will tell you why we removed it."
    )


def test_a_sentence_left_out_of_the_lead_on_purpose_stays_out() -> None:
    """A clause with no heading takes its title from its first words; a first sentence that is
    the whole title is not repeated in the summary, and is not brought back after the lead."""
    text = "We may remove your content at any time. We are a friendly service that loves its users."
    analysis = analyze_clause(text, terms_type="Terms of Service")
    assert "content_removal" in analysis.categories
    assert analysis.title == "We may remove your content at any time"
    assert _lead(analysis.summary) == "We are a friendly service that loves its users."


def test_an_item_of_the_leads_own_list_is_not_added_again() -> None:
    """X Shopping's enforcement list: the lead is the lead-in with its first items; the item the
    category rests on (the fourth) belongs to that list, which the lead already stands for."""
    text = (
        "If you break these rules, we may take some or all of the actions below:\n\n"
        "*   Pause your access to the shopping features.\n"
        "*   Hide content while it awaits review.\n"
        "*   Ask you to edit your listing.\n"
        "*   Remove, or require you to remove, violative content.\n"
    )
    analysis = analyze_clause(text, ["Enforcement"], terms_type="Community Guidelines")
    assert "content_removal" in analysis.categories
    lead = _lead(analysis.summary)
    assert lead.startswith("If you break these rules, we may take some or all of the actions")
    assert lead.endswith("Ask you to edit your listing; ...")
    assert " ... Remove" not in lead


def test_a_long_first_sentence_is_cut_to_leave_room_for_the_sentence() -> None:
    first = "This section explains " + ", ".join(f"topic number {i}" for i in range(40)) + "."
    text = f"{first} We are glad you are here. {REMOVAL}"
    analysis = analyze_clause(text, ["Safety"], terms_type="Community Guidelines")
    lead = _lead(analysis.summary)
    assert lead.startswith("This section explains topic number 0, topic number 1,")
    assert lead.endswith(f" ... {REMOVAL}")
    assert len(lead) <= SUMMARY_CHARS + len("...")


FILLER = [
    "Community is the heart of our service.",
    "We love seeing people create together.",
    "Thank you for being part of it.",
    "Our teams work around the clock.",
]


@given(st.permutations([*FILLER, REMOVAL]))
def test_a_summary_with_categories_holds_a_sentence_they_rest_on(sentences: list[str]) -> None:
    """Wherever the enforcement sentence sits among friendly ones, the summary quotes it, and
    the lead opens with the clause's first sentence."""
    analysis = analyze_clause(" ".join(sentences), ["Safety"], terms_type="Community Guidelines")
    assert "content_removal" in analysis.categories
    lead = _lead(analysis.summary)
    assert REMOVAL in lead
    assert lead.startswith(sentences[0])
    assert len(lead) <= SUMMARY_CHARS + len("...")


def test_a_clause_with_no_full_sentence_reads_its_lines_without_their_markup() -> None:
    """Meta's "What is the Privacy Policy and what does it cover?" (a heading over a date) was
    summarised with its heading's underline: "... cover? ===== Effective December 16, 2025"."""
    text = (
        "What is the Privacy Policy and what does it cover?\n"
        "==================================================\n\n"
        "Effective December 16, 2025"
    )
    heading = ["What is the Privacy Policy and what does it cover?"]
    summary = analyze_clause(text, heading, terms_type="Privacy Policy").summary
    assert summary.endswith(
        "it reads: What is the Privacy Policy and what does it cover?; Effective December 16, 2025"
    )
    assert "==" not in summary
