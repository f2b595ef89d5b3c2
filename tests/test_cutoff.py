"""A capture that looks cut off: ellipsis, mid-sentence end, far shorter than before."""

from __future__ import annotations

import pytest

from clauselens.pipeline.ingest.cutoff import looks_cut_off

COMPLETE = "# Terms\n\nWe may change these terms. We will tell you when we do.\n"


@pytest.mark.parametrize(
    "ending",
    [
        "Thanks for doing your part.\u200d\n",  # a zero-width joiner after the last period
        "Last updated: 2024-01-01\n",
        "Contact us at [privacy@example.com](mailto:privacy@example.com)\n",
        "| Region | Entity |\n|---|---|\n| EU | Example B.V. |\n",
    ],
)
def test_complete_endings_are_not_cut_off(ending: str) -> None:
    assert looks_cut_off(COMPLETE + ending) == (False, None)


def test_a_long_last_sentence_without_its_end_is_cut_off() -> None:
    text = COMPLETE + (
        "We may send you electronic communications related to our services. Where required, "
        "we will get your consent before sending you direct marketing\n"
    )
    cut, reason = looks_cut_off(text)
    assert cut
    assert reason is not None
    assert "mid-sentence" in reason


def test_an_ellipsis_at_the_end_is_cut_off() -> None:
    assert looks_cut_off(COMPLETE + "More terms follow…\n")[0]


def test_far_shorter_than_the_previous_version_is_cut_off() -> None:
    cut, reason = looks_cut_off(COMPLETE, previous=COMPLETE * 5)
    assert cut
    assert reason is not None
    assert "previous version" in reason
