"""Cross-platform similarity on ToS;DR points: does the index find the same kind of provision
on other platforms?

Every quote is a query against the quotes of the OTHER services (the index excludes the
query's own); relevant = the same ToS;DR case. Figures: recall@10 (share of queries with a
relevant quote in the top 10), rel@10 (relevant in the top 10 / min(10, relevant available);
mean) and MRR (1 / rank of the first relevant quote over the full ranking, ties counted against
the method). The baseline, in the same run: scikit-learn's ``TfidfVectorizer()`` with its
defaults and cosine, on the same text.

``cross_validate`` is the fair check of what is learned from these points (the semantic weight
and the threshold): folds grouped by case (``GroupKFold``), so no case is both where a choice is
made and where it is scored. On each fold, every weight of ``SEMANTIC_GRID`` is measured on the
training cases alone (their points queried against an index of their points); the best (mean of
recall@10 and MRR) is kept and the threshold calibrated on those training pairs. Then the
held-out cases' points are queried against an index of *all* points (the training cases' points
stay in as distractors, as they would in use), for the baseline, the lexical-only index (the
previous default) and the chosen one. An index fits its TF-IDF vocabulary on the texts it holds,
labels unseen, as it does in use; the word vectors were trained without ToS;DR text.
``pooled_threshold`` calibrates on the folds' held-out pairs together: every pair scored by an
index whose weight was chosen without its case.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import GroupKFold

from clauselens.evaluation.gold import SimilarityPoint
from clauselens.similarity import EmbedderState, Item, SimilarityIndex, TfidfEmbedder, TfidfParams
from clauselens.similarity.calibration import PairHistogram, calibrate_threshold

TOP = 10
FOLDS = 5
SEMANTIC_GRID = (0.0, 0.1, 0.2, 0.3)
BATCH = 256
LATENCY_SAMPLE = 300


class PlainTfidf:
    """The baseline: scikit-learn's ``TfidfVectorizer()`` with default settings."""

    name = "plain-tfidf"
    version = "sklearn-default"
    dense_tail = 0

    def __init__(self) -> None:
        self._vec = TfidfVectorizer()
        self.fitted = False

    def fit(self, texts: Sequence[str]) -> None:
        self._vec.fit(texts)
        self.fitted = True

    def transform(self, texts: Sequence[str]) -> Any:
        return self._vec.transform(texts).astype(np.float32)

    def unknown_share(self, texts: Sequence[str]) -> float:
        return 0.0

    def state(self) -> EmbedderState:
        raise NotImplementedError("the baseline is not saved")


@dataclass(frozen=True)
class Corpus:
    items: list[Item]
    cases: list[str]


def corpus_of(points: Sequence[SimilarityPoint]) -> Corpus:
    """Index items for the points (a case quoted by one service only has no answer: dropped)."""
    services: dict[str, set[str]] = {}
    for point in points:
        services.setdefault(point.case, set()).add(point.service)
    kept = [p for p in points if len(services[p.case]) > 1]
    return Corpus([Item(p.point_id, p.service, "", p.text) for p in kept], [p.case for p in kept])


@dataclass
class Result:
    method: str
    build_s: float
    recall10: float
    rel10: float
    mrr: float
    query_mean_ms: float
    query_p95_ms: float
    queries: int


def evaluate(
    name: str,
    make: Callable[[], SimilarityIndex],
    corpus: Corpus,
    hist: PairHistogram | None = None,
    queries: Sequence[int] | None = None,
) -> Result:
    """The figures of one index over the corpus (``hist`` collects score / relevance pairs).

    Every item is indexed; ``queries`` (positions in the corpus) limits which are queried.
    Scores come from ``scores_of`` in batches; latency is that of ``query`` on an evenly spaced
    sample of about ``LATENCY_SAMPLE`` of the queries.
    """
    index = make()
    t0 = time.perf_counter()
    index.build(corpus.items)
    build_s = time.perf_counter() - t0
    case_ids = {c: i for i, c in enumerate(sorted(set(corpus.cases)))}
    cases = np.array([case_ids[c] for c in corpus.cases])
    asked = list(range(len(corpus.items)) if queries is None else queries)
    lat = []
    for i in asked[:: max(1, len(asked) // LATENCY_SAMPLE)]:
        t0 = time.perf_counter()
        index.query(corpus.items[i].key, top_k=TOP)
        lat.append(time.perf_counter() - t0)
    hits, rels, rrs = [], [], []
    for start in range(0, len(asked), BATCH):
        batch = asked[start : start + BATCH]
        block = index.scores_of([corpus.items[i].key for i in batch])
        for i, scores in zip(batch, block, strict=True):
            valid = scores >= 0
            relevant = valid & (cases == cases[i])
            if not relevant.any():  # the case's other quotes are all of this service
                continue
            if hist is not None:
                hist.add(scores[valid], relevant[valid])
            n_rel = int(relevant.sum())
            top = np.argsort(-scores, kind="stable")[:TOP]
            in_top = int(relevant[top].sum())
            hits.append(in_top > 0)
            rels.append(in_top / min(TOP, n_rel))
            best = scores[relevant].max()
            rank = 1 + int((scores[valid & ~relevant] >= best).sum())
            rrs.append(1.0 / rank)
    ms = np.array(lat) * 1000
    return Result(
        name,
        build_s,
        float(np.mean(hits)),
        float(np.mean(rels)),
        float(np.mean(rrs)),
        float(ms.mean()),
        float(np.percentile(ms, 95)),
        len(hits),
    )


def semantic_index(weight: float) -> Callable[[], SimilarityIndex]:
    """A maker of the default index with another semantic weight."""
    return lambda: SimilarityIndex(TfidfEmbedder(TfidfParams(semantic_weight=weight)))


@dataclass
class Selection:
    """The semantic weight chosen on some cases, its figures there and its threshold."""

    weight: float
    threshold: float
    tried: dict[float, Result] = field(default_factory=dict)


def select_weight(corpus: Corpus, grid: Sequence[float] = SEMANTIC_GRID) -> Selection:
    """The weight with the best mean of recall@10 and MRR on ``corpus``, and its threshold."""
    tried, hists = {}, {}
    for weight in grid:
        hists[weight] = PairHistogram()
        tried[weight] = evaluate(f"s={weight}", semantic_index(weight), corpus, hists[weight])
    best = max(grid, key=lambda w: (tried[w].recall10 + tried[w].mrr, -w))
    return Selection(best, calibrate_threshold(hists[best]), tried)


@dataclass
class Fold:
    """One case-grouped fold: what was chosen on its training cases and the held-out figures."""

    number: int
    train_cases: int
    test_cases: int
    selection: Selection
    results: dict[str, Result]
    held_out_precision: float
    held_out_recall: float
    held_out_pairs: PairHistogram


def subset(corpus: Corpus, rows: Sequence[int]) -> Corpus:
    return Corpus([corpus.items[i] for i in rows], [corpus.cases[i] for i in rows])


def cross_validate(corpus: Corpus, folds: int = FOLDS) -> list[Fold]:
    """Case-grouped cross-validation of the baseline, the lexical index and the chosen one."""
    groups = np.array(_case_ids(corpus.cases))
    out = []
    splits = GroupKFold(folds).split(np.zeros(len(groups)), groups=groups)
    for number, (train, test) in enumerate(splits, 1):
        train_corpus = subset(corpus, train.tolist())
        selection = select_weight(train_corpus)
        hist = PairHistogram()
        methods: dict[str, Callable[[], SimilarityIndex]] = {
            "baseline": lambda: SimilarityIndex(PlainTfidf()),
            "lexical": semantic_index(0.0),
            "chosen": semantic_index(selection.weight),
        }
        results = {
            name: evaluate(name, make, corpus, hist if name == "chosen" else None, test.tolist())
            for name, make in methods.items()
        }
        b = round(selection.threshold * hist.bins)
        out.append(
            Fold(
                number,
                len(set(groups[train])),
                len(set(groups[test])),
                selection,
                results,
                float(hist.precision_at()[b]) if b < hist.bins else float("nan"),
                float(hist.recall_at()[b]) if b < hist.bins else 0.0,
                hist,
            )
        )
    return out


def _case_ids(cases: Sequence[str]) -> list[int]:
    ids = {c: i for i, c in enumerate(sorted(set(cases)))}
    return [ids[c] for c in cases]


def score_similarity(points: Sequence[SimilarityPoint]) -> dict[str, float | int | None]:
    """The package's default index and the plain TF-IDF baseline, measured in the same run."""
    corpus = corpus_of(points)
    default = evaluate("default", SimilarityIndex, corpus)
    baseline = evaluate("baseline", lambda: SimilarityIndex(PlainTfidf()), corpus)
    return {
        "items": default.queries,
        "cases": len(set(corpus.cases)),
        "recall_at_10": default.recall10,
        "rel_at_10": default.rel10,
        "mrr": default.mrr,
        "baseline_recall_at_10": baseline.recall10,
        "baseline_rel_at_10": baseline.rel10,
        "baseline_mrr": baseline.mrr,
    }


def pooled_threshold(folds: Sequence[Fold]) -> tuple[float, float]:
    """The threshold calibrated on every fold's held-out pairs, and their precision at it."""
    pooled = PairHistogram()
    for fold in folds:
        pooled.total += fold.held_out_pairs.total
        pooled.relevant += fold.held_out_pairs.relevant
    threshold = calibrate_threshold(pooled)
    b = round(threshold * pooled.bins)
    return threshold, float(pooled.precision_at()[b]) if b < pooled.bins else float("nan")
