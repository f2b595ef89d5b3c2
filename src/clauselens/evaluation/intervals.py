"""How sure a provisions figure is: percentile intervals from resampling the gold items.

A share measured on 60 clauses moves by several points when a few clauses change, so a report
that gives "16.4% of named agencies are wrong" should say how far that could move. Each figure
of a provisions set is a ratio of sums over items (wrong names / names, severity accepted /
analyses, ...). The items are resampled with replacement ``DRAWS`` times (a fixed seed, so a
report is reproducible), each figure is recomputed on every draw, and the 2.5th and 97.5th
percentiles bound the 95% interval. Resampling whole items keeps the names of one clause
together: they are not independent of one another.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

DRAWS = 2000
SEED = 20261202
LEVEL = 0.95
MIN_ITEMS = 20  # fewer items say too little about their spread for an interval to mean much

# figure: (numerator column, denominator column) of the per-item counts
RATIOS: dict[str, tuple[str, str]] = {
    "category_micro_precision": ("category_right", "category_predicted"),
    "severity_agreement": ("severity_ok", "valid"),
    "agencies_wrong_share": ("agencies_wrong", "agencies_named"),
    "agencies_plausible_recall": ("agencies_plausible_named", "agencies_plausible"),
    "regulations_wrong_share": ("regulations_wrong", "regulations_named"),
    "regulations_plausible_recall": ("regulations_plausible_named", "regulations_plausible"),
}
COLUMNS = tuple(dict.fromkeys(c for pair in RATIOS.values() for c in pair))


def item_intervals(counts: Sequence[dict[str, int]]) -> dict[str, tuple[float, float] | None]:
    """Per figure of ``RATIOS``, the 95% interval over resampled items (``counts``: one row
    of ``COLUMNS`` per item with a valid analysis); None for every figure when there are fewer
    than ``MIN_ITEMS`` items, and for a figure no draw has a denominator for."""
    if len(counts) < MIN_ITEMS:
        return dict.fromkeys(RATIOS)
    table = np.array([[row.get(c, 0) for c in COLUMNS] for row in counts], dtype=np.float64)
    rng = np.random.default_rng(SEED)
    draws = rng.integers(0, len(counts), size=(DRAWS, len(counts)))
    sums = table[draws].sum(axis=1)  # draws x columns
    column = {c: i for i, c in enumerate(COLUMNS)}
    tail = 100 * (1 - LEVEL) / 2
    out: dict[str, tuple[float, float] | None] = {}
    for figure, (top, bottom) in RATIOS.items():
        denominator = sums[:, column[bottom]]
        kept = denominator > 0
        if not kept.any():
            out[figure] = None
            continue
        ratio = sums[kept, column[top]] / denominator[kept]
        low, high = np.percentile(ratio, [tail, 100 - tail])
        out[figure] = (float(low), float(high))
    return out
