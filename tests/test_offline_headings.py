"""Which sentences of a clause are headings (``analyzers.offline.headings``)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clauselens.analyzers.offline.headings import heading_form, heading_key, heading_sentences


@pytest.mark.parametrize(
    "sentence",
    [
        "### Right of withdrawal",
        "Using our Services\n------------------",
        "**Meta Global Processor Terms**",
        "Our Right to Terminate.",
        "i. Limitation of Liability",
        "**VII. Term; Credit Purchase Terms; Credit Deduction; Suspension, and Termination.**",
    ],
)
def test_heading_forms(sentence: str) -> None:
    assert heading_form(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "We may end your access.",
        "**Fees:** All charges are billed in advance.",
        "What information do we collect?",
        "You must be at least 13 years old.",
        "**You must be 18 and older to use monetization features.**",
        "**We Will Never Sell Your Personal Data to anyone for any reason at all.**",
    ],
)
def test_sentences_are_not_heading_forms(sentence: str) -> None:
    assert not heading_form(sentence)


def test_a_sentence_repeating_a_heading_of_the_path_is_a_heading() -> None:
    """Compared without markup, numbering, case or end punctuation."""
    sentences = [
        "What information do we collect?",
        "5\\. Sharing with partners",
        "We collect what you give us.",
    ]
    path = ("Privacy Policy", "What Information Do We Collect", "5. Sharing with partners")
    assert heading_sentences(sentences, path) == {
        "What information do we collect?",
        "5\\. Sharing with partners",
    }
    assert heading_sentences(sentences) == set()


def test_the_sentences_of_a_heading_cut_at_its_question_mark_are_headings() -> None:
    """Twitch's FAQ heading "I have had X Emote for years! Why was it only now removed?" is two
    sentences to the splitter; the summary began "Why was it only now removed?"."""
    sentences = [
        "I have had X Emote for years!",
        "Why was it only now removed?",
        "Our guidelines can change over time.",
        "now removed?",
    ]
    path = ("FAQ", "I have had X Emote for years! Why was it only now removed?")
    assert heading_sentences(sentences, path) == {
        "I have had X Emote for years!",
        "Why was it only now removed?",
    }


@given(st.lists(st.text(min_size=1, max_size=60), max_size=6), st.lists(st.text(max_size=40)))
def test_headings_are_some_of_the_sentences(sentences: list[str], path: list[str]) -> None:
    """Only sentences are headings; and every sentence with words in it that the path repeats
    is one."""
    assert heading_sentences(sentences, path) <= set(sentences)
    repeated = heading_sentences(sentences, [*path, *sentences])
    assert {s for s in sentences if heading_key(s)} <= repeated
