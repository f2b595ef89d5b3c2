"""Intervals of provisions figures from resampling gold items (``evaluation.intervals``)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clauselens.evaluation.intervals import MIN_ITEMS, RATIOS, item_intervals
from clauselens.evaluation.report import render


def _item(named: int, wrong: int) -> dict[str, int]:
    return {"valid": 1, "agencies_named": named, "agencies_wrong": wrong}


def test_identical_items_give_a_point() -> None:
    """Every resample of identical items has the same share: the interval is that share."""
    intervals = item_intervals([_item(4, 1)] * MIN_ITEMS)
    assert intervals["agencies_wrong_share"] == (0.25, 0.25)


def test_mixed_items_give_an_interval_around_the_share() -> None:
    """Half the items name one wrong agency of one, half one right one: the share is 0.5 and
    resampling 40 items moves it by about 0.15 either way."""
    interval = item_intervals([_item(1, 1), _item(1, 0)] * 20)["agencies_wrong_share"]
    assert interval is not None
    low, high = interval
    assert 0.25 < low < 0.5 < high < 0.75


def test_too_few_items_or_no_denominator_give_none() -> None:
    assert item_intervals([_item(1, 1)] * (MIN_ITEMS - 1))["agencies_wrong_share"] is None
    intervals = item_intervals([_item(0, 0)] * MIN_ITEMS)
    assert intervals["agencies_wrong_share"] is None
    assert intervals["severity_agreement"] == (0.0, 0.0)


def test_the_same_items_give_the_same_intervals() -> None:
    items = [_item(n % 3 + 1, n % 2) for n in range(30)]
    assert item_intervals(items) == item_intervals(list(items))


@st.composite
def _row(draw: st.DrawFn) -> dict[str, int]:
    """One item's counts: each numerator at most its denominator (a name is wrong only if
    named, a severity accepted only for a valid analysis)."""
    row: dict[str, int] = {}
    for top, bottom in RATIOS.values():
        row.setdefault(bottom, draw(st.integers(0, 5)))
        row[top] = draw(st.integers(0, row[bottom]))
    return row


ROWS = st.lists(_row(), min_size=MIN_ITEMS, max_size=40)


@settings(max_examples=25)
@given(ROWS)
def test_an_interval_lies_within_the_range_of_item_ratios(rows: list[dict[str, int]]) -> None:
    """A ratio of sums over any resample lies between the smallest and largest per-item ratio;
    so does each end of the interval, which is also ordered."""
    for figure, interval in item_intervals(rows).items():
        top, bottom = RATIOS[figure]
        ratios = [r[top] / r[bottom] for r in rows if r[bottom]]
        if interval is None:
            assert not ratios
            continue
        low, high = interval
        assert min(ratios) - 1e-9 <= low <= high <= max(ratios) + 1e-9


def test_the_report_prints_the_intervals_under_a_provisions_table() -> None:
    figures = {"items": 60, "agencies_wrong_share": 0.164}
    figures |= {"agencies_wrong_share_ci_low": 0.072, "agencies_wrong_share_ci_high": 0.265}
    report = {
        "gold": {"holdout": {"kind": "provisions", "items": 60}},
        "runs": [{"analyzer": "offline", "model": "offline-rules", "sets": {"holdout": figures}}],
    }
    text = render(report)
    assert "95% intervals, items resampled (offline offline-rules): agency wrong 7.2-26.5%" in text
    assert "cat P" not in text.splitlines()[-1]


def test_the_report_says_what_share_of_the_names_is_plausible_wrong_and_neither() -> None:
    """A low wrong share is not a high plausible one: the rest of the names are neither."""
    figures = {"items": 60, "agencies_wrong_share": 0.05, "agencies_plausible_share": 0.70}
    report = {
        "gold": {"holdout": {"kind": "provisions", "items": 60}},
        "runs": [{"analyzer": "offline", "model": "offline-rules", "sets": {"holdout": figures}}],
    }
    line = render(report).splitlines()[-1]
    assert line == (
        "of the names it gives (offline offline-rules): agencies 70.0% plausible, 5.0% wrong, "
        "25.0% neither"
    )


@pytest.mark.parametrize("figure", list(RATIOS))
def test_every_interval_figure_is_a_reported_figure(figure: str) -> None:
    from clauselens.evaluation.report import INTERVALS

    assert figure in {key for _, key, _ in INTERVALS}
