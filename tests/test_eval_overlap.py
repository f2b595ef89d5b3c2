"""``evaluation.overlap``: a summary's content words against a reader's rationale."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clauselens.evaluation.overlap import content_words, overlap


def test_words_meet_on_their_stem_and_function_words_are_not_read() -> None:
    assert content_words("The subscription renews; renewals are yearly.") == {
        "subscr",
        "renew",
        "year",
    }
    assert overlap("We may renew it.", "Renewal") == (1.0, 1.0)


def test_the_offline_label_is_not_read() -> None:
    label = "Extractive summary (offline, rule-based): "
    assert overlap(label, "Extractive summary of an offline rule-based tool") is None
    assert overlap(f"{label}Fees are refundable.", "Fees are non-refundable.") == pytest.approx(
        (2 / 3, 1.0)
    )


def test_nothing_to_compare_is_none() -> None:
    assert overlap("", "Arbitration clause.") is None
    assert overlap("Arbitration clause.", "the and of") is None


words = st.lists(st.from_regex(r"[a-z]{3,10}", fullmatch=True), min_size=1, max_size=12)


@given(words, words)
def test_recall_one_way_is_precision_the_other(a: list[str], b: list[str]) -> None:
    first, second = " ".join(a), " ".join(b)
    forward, backward = overlap(first, second), overlap(second, first)
    if forward is None:
        assert backward is None
        return
    assert backward is not None
    assert forward[0] == pytest.approx(backward[1])
    assert forward[1] == pytest.approx(backward[0])
    assert 0.0 <= forward[0] <= 1.0
    assert 0.0 <= forward[1] <= 1.0


@given(words)
def test_a_text_says_all_of_itself(a: list[str]) -> None:
    text = " ".join(a)
    assert overlap(text, text) in (None, (1.0, 1.0))
