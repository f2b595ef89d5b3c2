"""The similarity threshold and how it was chosen.

``platform_counts`` calls another platform "similar" when at least one of its items scores at or
above ``DEFAULT_THRESHOLD`` against the query. The value was calibrated on the ToS;DR points
(``bench/similarity_eval.py``, which reruns the calibration and prints it): take every pair
(quote, quote of another service) among quotes of at least 20 characters in cases quoted by two or
more services, score it with the default index, and call a pair relevant when both quotes
illustrate the same ToS;DR case. ``calibrate_threshold`` returns the lowest score at which the
pairs scoring at or above it are relevant with precision >= 0.5: above the threshold, a "similar"
provision is more likely than not to say the same kind of thing. On 5,554 quotes (148 cases, 611
services) it gave 0.195 for the text score alone and 0.210 with the categories the offline
analyzer assigns blended in at ``CATEGORY_WEIGHT`` (pair precision 0.51 / 0.50, pair recall about
0.23 / 0.26 there); the constant takes the higher, 0.21. The precision is a lower bound: ToS;DR
has overlapping cases, and a pair from two near-identical cases counts as wrong. The score
distribution depends on the embedder, so recalibrate when it changes.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

DEFAULT_THRESHOLD = 0.21
"""Score at or above which another platform's provision counts as similar (see module doc)."""

TARGET_PRECISION = 0.5


class PairHistogram:
    """Counts of scored pairs and relevant pairs in fixed-width score bins, filled in chunks."""

    def __init__(self, bins: int = 200) -> None:
        self.bins = bins
        self.total = np.zeros(bins, dtype=np.int64)
        self.relevant = np.zeros(bins, dtype=np.int64)

    def add(self, scores: npt.NDArray[np.floating], relevant: npt.NDArray[np.bool_]) -> None:
        idx = np.clip((scores * self.bins).astype(np.int64), 0, self.bins - 1)
        self.total += np.bincount(idx, minlength=self.bins)
        self.relevant += np.bincount(idx[relevant], minlength=self.bins)

    def precision_at(self) -> npt.NDArray[np.float64]:
        """Precision of the pairs scoring at or above each bin's lower edge."""
        total = np.cumsum(self.total[::-1])[::-1]
        rel = np.cumsum(self.relevant[::-1])[::-1]
        return np.divide(rel, total, out=np.zeros(self.bins), where=total > 0)

    def recall_at(self) -> npt.NDArray[np.float64]:
        rel = np.cumsum(self.relevant[::-1])[::-1]
        return rel / max(int(self.relevant.sum()), 1)


def calibrate_threshold(hist: PairHistogram, target: float = TARGET_PRECISION) -> float:
    """Lowest bin edge whose at-or-above precision reaches ``target`` and stays there above it."""
    precision = hist.precision_at()
    ok = precision >= target
    # walk down from the top while precision holds; stop at the first bin that drops below
    edge = hist.bins
    for b in range(hist.bins - 1, -1, -1):
        if hist.total[b:].sum() == 0:
            continue
        if not ok[b]:
            break
        edge = b
    return edge / hist.bins
