"""Numerical pieces of training: TF-IDF matrices, linear fits, calibration, threshold picks.

Training only (scikit-learn and scipy are imported here, never at inference). The TF-IDF is
computed here rather than by ``TfidfVectorizer`` so that one count matrix serves every fold:
``fit_space`` picks the terms and idf values from the training rows of a fold, ``transform``
weights any rows the way ``classifier.ClauseClassifier`` does at inference (sub-linear tf times
smoothed idf, each feature block L2-normalised on its own; terms outside the space are ignored).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from clauselens.analyzers.offline.features import block_of, features

SEED = 0


@dataclass(frozen=True)
class Counts:
    """Feature counts of a list of sentences; terms sorted, one block number per term."""

    matrix: Any  # scipy CSR, rows x terms
    terms: list[str]
    blocks: Any  # int array, one per term


@dataclass(frozen=True)
class Space:
    """The terms a model sees (indices into ``Counts.terms``) and their idf values."""

    columns: Any
    idf: Any
    blocks: Any


def count_features(texts: Sequence[str]) -> Counts:
    from scipy import sparse

    index: dict[str, int] = {}
    rows: list[int] = []
    cols: list[int] = []
    for i, text in enumerate(texts):
        for feature in features(text):
            rows.append(i)
            cols.append(index.setdefault(feature, len(index)))
    terms = sorted(index)
    order = np.empty(len(terms), dtype=np.intp)
    order[[index[t] for t in terms]] = np.arange(len(terms))
    data = np.ones(len(rows), dtype=np.float64)
    shape = (len(texts), len(terms))
    matrix = sparse.csr_matrix((data, (rows, order[cols])), shape=shape)  # duplicates summed
    blocks = np.array([block_of(t) for t in terms], dtype=np.intp)
    return Counts(matrix, terms, blocks)


def fit_space(counts: Counts, rows: Any, min_df: Sequence[int]) -> Space:
    """Terms with enough document frequency in ``rows`` (an index array), and their idf.

    ``min_df`` has one value per block; 0 leaves the block out. The idf is scikit-learn's
    smoothed one, ``ln((1 + n) / (1 + df)) + 1``.
    """
    df = np.asarray((counts.matrix[rows] > 0).sum(axis=0)).ravel()
    needed = np.asarray(min_df, dtype=np.intp)[counts.blocks]
    columns = np.flatnonzero((df >= needed) & (needed > 0))
    idf = np.log((1.0 + len(rows)) / (1.0 + df[columns])) + 1.0
    return Space(columns, idf, counts.blocks[columns])


def transform(counts: Counts, rows: Any, space: Space) -> Any:
    """TF-IDF rows over ``space``: ``(1 + ln tf) * idf``, each block L2-normalised."""
    sub = counts.matrix[rows][:, space.columns].tocoo()
    data = (1.0 + np.log(sub.data)) * space.idf[sub.col]
    block = space.blocks[sub.col]
    n_blocks = int(space.blocks.max()) + 1 if len(space.blocks) else 1
    squares = np.zeros((sub.shape[0], n_blocks))
    np.add.at(squares, (sub.row, block), data * data)
    data = data / np.sqrt(squares[sub.row, block])
    from scipy import sparse

    return sparse.csr_matrix((data, (sub.row, sub.col)), shape=sub.shape)


def fit_linear(x: Any, y: Any, c: float) -> tuple[Any, float]:
    """A linear SVM for one category: coefficients and intercept (constant if one class)."""
    positives = int(y.sum())
    if positives == 0 or positives == len(y):
        return np.zeros(x.shape[1]), (-1.0 if positives == 0 else 1.0)
    from sklearn.svm import LinearSVC

    model = LinearSVC(C=c, dual=True, max_iter=20_000, random_state=SEED).fit(x, y)
    return model.coef_[0].copy(), float(model.intercept_[0])


def fit_sigmoid(decision: Any, y: Any) -> tuple[float, float]:
    """Platt scaling: ``a, b`` with ``P(y) = 1 / (1 + exp(-(a * decision + b)))``."""
    positives = int(y.sum())
    if positives == 0 or positives == len(y):
        return 1.0, 0.0
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=1e4, max_iter=1000).fit(decision.reshape(-1, 1), y)
    return float(model.coef_[0, 0]), float(model.intercept_[0])


def fit_logistic(x: Any, y: Any) -> tuple[Any, float]:
    """A lightly regularised logistic regression: coefficients and intercept."""
    positives = int(y.sum())
    if positives == 0 or positives == len(y):
        return np.zeros(x.shape[1]), (-10.0 if positives == 0 else 10.0)
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=1.0, max_iter=1000).fit(x, y)
    return model.coef_[0].copy(), float(model.intercept_[0])


def sigmoid(v: Any) -> Any:
    return 1.0 / (1.0 + np.exp(-np.clip(v, -60.0, 60.0)))


def f1_score(y: Any, pred: Any) -> float:
    tp = int((pred & y).sum())
    denom = int(pred.sum()) + int(y.sum())
    return 2 * tp / denom if denom else 0.0


PROBABILITY_GRID = np.round(np.arange(0.02, 0.99, 0.01), 2)


def best_threshold(y: Any, p: Any) -> tuple[float, float]:
    """The probability threshold with the best F1 (middle of a tied run), and that F1."""
    scores = np.array([f1_score(y, p >= t) for t in PROBABILITY_GRID])
    best = float(scores.max())
    tied = PROBABILITY_GRID[scores == best]
    return float(tied[len(tied) // 2]), best


def recall_threshold(scores: Any, positive: Any, keep: float) -> float:
    """The highest threshold that keeps at least ``keep`` of the positives (``score >= t``)."""
    ranked = np.sort(scores[positive])
    if len(ranked) == 0:
        return 0.0
    misses = int(np.floor((1.0 - keep) * len(ranked) + 1e-9))
    return float(ranked[min(misses, len(ranked) - 1)])


def group_folds(groups: Sequence[str], n_folds: int) -> list[tuple[Any, Any]]:
    """Train/test row indices, whole groups (documents) together; fixed seed."""
    from sklearn.model_selection import GroupKFold

    n = min(n_folds, len(set(groups)))
    if n < 2:
        return []
    splitter = GroupKFold(n_splits=n, shuffle=True, random_state=SEED)
    return list(splitter.split(np.zeros(len(groups)), groups=list(groups)))
