"""The similarity threshold and how it was chosen.

``platform_counts`` calls another platform "similar" when at least one of its items scores at or
above ``DEFAULT_THRESHOLD`` against the query. ``calibrate_threshold`` returns the lowest score at
which the pairs scoring at or above it are relevant with precision >= 0.5: above the threshold, a
"similar" provision is more likely than not to say the same kind of thing. The pairs are ToS;DR
quotes (at least 20 characters, cases quoted by two or more services): a quote and a quote of
another service, relevant when both illustrate the same ToS;DR case.

The value comes from case-grouped cross-validation (``bench/similarity_eval.py``, which reruns it
and prints it): 5 folds by case; on each, the semantic weight is chosen on the training cases and
the held-out cases' quotes are scored against an index of all 5,554 quotes; the pairs of all
folds' held-out quotes, each scored by an index whose choices never saw its case, are pooled and
calibrated. That gave 0.265 (pair precision 0.50) for the default
(lexical TF-IDF fused with word vectors at ``SEMANTIC_WEIGHT`` 0.2). Two checks: calibrating on
each fold's training cases alone gave 0.215-0.255, where the held-out pairs had precision
0.42-0.51 (mean 0.45): an index of fewer quotes has fewer near misses, so calibrate on an index as
large as the one in use; and calibrating on all cases at once gave 0.270 (0.280 with the offline
analyzer's categories blended in at ``CATEGORY_WEIGHT``). The precision is a lower bound: ToS;DR
has overlapping cases, and a pair from two near-identical cases counts as wrong. The score
distribution depends on the embedder, so recalibrate when it changes (the lexical-only index of
before the word vectors had 0.21).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

DEFAULT_THRESHOLD = 0.265
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
