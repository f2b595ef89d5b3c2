"""Cross-platform similarity on ToS;DR points: does the index find the same kind of provision
on other platforms?

Every quote is a query against the quotes of the OTHER services (the index excludes the
query's own); relevant = the same ToS;DR case. Figures: recall@10 (share of queries with a
relevant quote in the top 10), rel@10 (relevant in the top 10 / min(10, relevant available);
mean) and MRR (1 / rank of the first relevant quote over the full ranking, ties counted against
the method). The baseline, in the same run: scikit-learn's ``TfidfVectorizer()`` with its
defaults and cosine, on the same text.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from clauselens.evaluation.gold import SimilarityPoint
from clauselens.similarity import EmbedderState, Item, SimilarityIndex
from clauselens.similarity.calibration import PairHistogram

TOP = 10


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
) -> Result:
    """The figures of one index over the corpus (``hist`` collects score / relevance pairs)."""
    index = make()
    t0 = time.perf_counter()
    index.build(corpus.items)
    build_s = time.perf_counter() - t0
    case_ids = {c: i for i, c in enumerate(sorted(set(corpus.cases)))}
    cases = np.array([case_ids[c] for c in corpus.cases])
    hits, rels, rrs, lat = [], [], [], []
    for i, item in enumerate(corpus.items):
        t0 = time.perf_counter()
        index.query(item.key, top_k=TOP)
        lat.append(time.perf_counter() - t0)
        scores = index.scores(item.key)
        valid = scores >= 0
        relevant = valid & (cases == cases[i])
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
        len(corpus.items),
    )


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
