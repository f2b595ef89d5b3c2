"""``SimilarityIndex``: the provisions of all platforms as normalised rows, queried by cosine.

Scores. The text score is the dot product of L2-normalised embedder rows (a cosine in [0, 1]).
When both the query and an item carry category codes, the score is the blend
``(1 - category_weight) * text + category_weight * category_cosine``; otherwise it is the text
score alone, so items without an analysis are neither favoured nor penalised.

Speed. Sparse rows are queried through a cached transposed CSR matrix (an inverted index: one
row per feature), so a query costs the postings of its own features, then one ``argpartition``.
The embedder's dense tail (the word-vector columns) is kept apart as a dense array and scored
with one matrix-vector product.
Entities are integer codes, so excluding the query's platform and counting platforms are array
operations, never Python loops over items.

Incremental updates. ``build`` fits the embedder on the items' texts. ``add`` / ``update`` (an
upsert by key) transform new items with the already fitted embedder and append their rows;
``remove`` drops rows. Idf weights and vocabulary therefore stay those of the last fit: a term
first seen after it is ignored. ``RefitPolicy`` says when that stops being acceptable: once at
least ``min_added`` items were added since the fit and either the share of their word tokens
unknown to the vocabulary exceeds ``max_unknown_share`` or the index grew by more than
``max_growth`` times its size at fit, the next ``add`` refits on all current texts and recomputes
every row. ``refit()`` does it on demand. A refit changes every score slightly; caches keyed on
``embedder.version`` notice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse

from clauselens.similarity.calibration import DEFAULT_THRESHOLD
from clauselens.similarity.categories import CategoryCodes
from clauselens.similarity.embedder import Embedder, FloatArray, Matrix, TfidfEmbedder
from clauselens.similarity.records import Item, Match

BULK_FROM = 16
"""``scores_of`` with at least this many keys scores them through ``_BulkCache``."""

BULK_MIN_DF = 32
"""A feature in fewer items than this stays in the sparse part of ``_BulkCache``."""

BULK_DENSE_CELLS = 32_000_000
"""Cells (float32: 128 MB) of the dense part of ``_BulkCache``."""

CATEGORY_WEIGHT = 0.05
"""Share of the score given to category agreement when both sides have categories.

Measured on ToS;DR with the offline analyzer's categories (bench/similarity_eval.py): 0.05 kept
recall@10 and raised MRR over text alone; 0.1 and 0.25 lowered recall@10 (those categories are
coarse and absent on 42% of quotes). Re-measure when analyses come from Claude.
"""


@dataclass(frozen=True)
class RefitPolicy:
    """When ``add`` refits the embedder instead of reusing it (see the module docstring)."""

    auto: bool = True
    min_added: int = 500
    max_unknown_share: float = 0.15
    max_growth: float = 1.0


class SimilarityIndex:
    """Items of many entities, queried for the most similar items of other entities."""

    def __init__(
        self,
        embedder: Embedder | None = None,
        *,
        category_weight: float = CATEGORY_WEIGHT,
        refit_policy: RefitPolicy | None = None,
    ) -> None:
        self.embedder: Embedder = embedder if embedder is not None else TfidfEmbedder()
        self.category_weight = category_weight
        self.refit_policy = refit_policy or RefitPolicy()
        self.items: list[Item] = []
        self.categories = CategoryCodes()
        self._rows: dict[str, int] = {}
        self._entity_ids: dict[str, int] = {}
        self._entities = np.zeros(0, dtype=np.int32)
        self._matrix: Matrix = None
        self._cats = np.zeros((0, 0), dtype=np.float32)
        self._postings: Matrix = None
        self._dense = np.zeros((0, 0), dtype=np.float32)
        self._bulk: _BulkCache | None = None
        self._fit_size = 0
        self._added = 0
        self._unknown_tokens = 0.0

    # -- building and updating ---------------------------------------------------------------

    def build(self, items: Iterable[Item], *, refit: bool = True) -> None:
        """Index exactly ``items``; fit the embedder on their texts unless ``refit`` is False."""
        self.items = _unique(items)
        if refit or not self.embedder.fitted:
            self._refit()
        else:
            self._reindex()

    def add(self, items: Iterable[Item]) -> None:
        """Insert or replace items by key, transforming them with the fitted embedder."""
        new = _unique(items)
        if not new:
            return
        if not self.embedder.fitted:
            self.build(self.items + new)
            return
        self.remove([it.key for it in new if it.key in self._rows])
        texts = [it.text for it in new]
        self._added += len(new)
        self._unknown_tokens += self.embedder.unknown_share(texts) * len(new)
        if self._should_refit():
            self.items += new
            self.refit()
            return
        self.items += new
        self._append_rows(new, self.embedder.transform(texts))

    update = add

    def remove(self, keys: Iterable[str]) -> None:
        """Drop the items with these keys (unknown keys are ignored)."""
        drop = {self._rows[k] for k in keys if k in self._rows}
        if not drop:
            return
        mask = np.ones(len(self.items), dtype=bool)
        mask[list(drop)] = False
        keep = np.flatnonzero(mask)
        self.items = [self.items[i] for i in keep]
        self._matrix = self._matrix[keep]
        self._cats = self._cats[keep]
        self._entities = self._entities[keep]
        self._rows = {it.key: i for i, it in enumerate(self.items)}
        self._postings = None

    def refit(self) -> None:
        """Refit the embedder on the current texts and recompute every row."""
        self._refit()

    def _refit(self) -> None:
        texts = [it.text for it in self.items]
        fit_transform = getattr(self.embedder, "fit_transform", None)
        if fit_transform is None:
            self.embedder.fit(texts)
            self._reindex()
        else:  # the embedder counts the texts once for both (``TfidfEmbedder.fit_transform``)
            self._reindex(fit_transform(texts))

    def _should_refit(self) -> bool:
        p = self.refit_policy
        if not p.auto or self._added < p.min_added:
            return False
        drift = self._unknown_tokens / self._added
        return drift > p.max_unknown_share or self._added > p.max_growth * max(self._fit_size, 1)

    def _reindex(self, rows: Matrix = None) -> None:
        """Recompute every row (or install ``rows``, the items' rows in order)."""
        self._rows, self._entity_ids = {}, {}
        self._entities = np.zeros(0, dtype=np.int32)
        self._cats = np.zeros((0, 0), dtype=np.float32)
        self._matrix = None
        self._fit_size, self._added, self._unknown_tokens = len(self.items), 0, 0.0
        if rows is None:
            rows = self.embedder.transform([it.text for it in self.items])
        self._append_rows(self.items, rows, start=0)

    def _append_rows(self, new: list[Item], rows: Matrix, start: int | None = None) -> None:
        first = len(self.items) - len(new) if start is None else start
        for offset, it in enumerate(new):
            self._rows[it.key] = first + offset
        codes = [self._entity_ids.setdefault(it.entity, len(self._entity_ids)) for it in new]
        self._entities = np.concatenate([self._entities, np.asarray(codes, dtype=np.int32)])
        self.categories.learn(it.categories for it in new)
        width = len(self.categories.columns)
        old = np.zeros((self._cats.shape[0], width), dtype=np.float32)
        old[:, : self._cats.shape[1]] = self._cats
        self._cats = np.vstack([old, self.categories.vectors([it.categories for it in new])])
        self._matrix = rows if self._matrix is None else _vstack(self._matrix, rows)
        self._postings = None

    # -- querying ----------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.items)

    def __contains__(self, key: object) -> bool:
        return key in self._rows

    def query(
        self, key_or_text: str, top_k: int = 10, exclude_entity: str | None = None
    ) -> list[Match]:
        """The ``top_k`` best items of other entities, best first.

        ``key_or_text`` is an indexed key (its own entity is excluded unless ``exclude_entity``
        names another) or else a free text (only ``exclude_entity`` is excluded).
        """
        scores = self.scores(key_or_text, exclude_entity)
        return self._top(scores, top_k)

    def platform_counts(
        self,
        key_or_text: str,
        threshold: float = DEFAULT_THRESHOLD,
        exclude_entity: str | None = None,
    ) -> tuple[int, int]:
        """``(similar_platforms, platforms_total)`` for a query.

        ``similar_platforms``: distinct other entities with at least one item scoring at or above
        ``threshold``. ``platforms_total``: distinct entities in the index other than the query's
        own (all entities for a free text with no ``exclude_entity``).
        """
        own = self._own_entity(key_or_text, exclude_entity)
        scores = self.scores(key_or_text, exclude_entity)
        hits = np.unique(self._entities[scores >= threshold])
        total = len(self._entity_ids) - (1 if own in self._entity_ids else 0)
        return int(hits.size), total

    def _own_entity(self, key_or_text: str, exclude_entity: str | None) -> str | None:
        if exclude_entity is not None:
            return exclude_entity
        row = self._rows.get(key_or_text)
        return None if row is None else self.items[row].entity

    def scores(self, key_or_text: str, exclude_entity: str | None = None) -> FloatArray:
        """Score of every indexed item (in ``items`` order) against a key or a free text.

        Items of the excluded entity (the key's own, or ``exclude_entity``) score -1.
        """
        row = self._rows.get(key_or_text)
        if row is None:
            probe = Item("", exclude_entity or "", "", key_or_text)
            return self._scores(self._vector(probe), (), exclude_entity)
        item = self.items[row]
        return self._scores(self._matrix[row], item.categories, exclude_entity or item.entity)

    def _vector(self, item: Item) -> Matrix:
        return self.embedder.transform([item.text])

    def scores_of(self, keys: Sequence[str]) -> FloatArray:
        """``scores(key)`` for many indexed keys at once: one row per key (faster in bulk)."""
        if not keys:
            return np.zeros((0, len(self.items)), dtype=np.float32)
        rows = [self._rows[key] for key in keys]
        if len(rows) >= BULK_FROM and sparse.issparse(self._matrix):
            text = self._bulk_text_scores(self._matrix[rows])
        else:
            text = self._text_scores(self._matrix[rows])
        for out, row in zip(text, rows, strict=True):
            item = self.items[row]
            out[:] = self._blend(out, item.categories, item.entity)
        return text

    def _scores(self, vector: Matrix, categories: Sequence[str], exclude: str | None) -> FloatArray:
        """Scores of every row against ``vector``; the excluded entity's rows score -1."""
        if not self.items:
            return np.zeros(0, dtype=np.float32)
        return self._blend(self._text_scores(vector)[0], categories, exclude)

    def _text_scores(self, vectors: Matrix) -> FloatArray:
        """Text cosines, clipped to [0, 1], of every row against each query row."""
        if sparse.issparse(self._matrix):
            if self._postings is None:
                self._build_query_cache()
            query = sparse.csr_matrix(vectors)
            tail = self._dense.shape[1]
            lexical = query[:, : query.shape[1] - tail] if tail else query
            text: FloatArray = np.asarray((lexical @ self._postings).todense())
            if tail:
                text = text + query[:, -tail:].toarray() @ self._dense.T
        else:
            text = np.atleast_2d(np.asarray(vectors)) @ np.asarray(self._matrix).T
        return np.clip(text.astype(np.float32), 0.0, 1.0)

    def _bulk_text_scores(self, vectors: Matrix) -> FloatArray:
        """``_text_scores`` for a block of query rows: the most frequent features as dense
        BLAS products, the rest through the postings (the same sums, in another order)."""
        if self._postings is None:
            self._build_query_cache()
        if self._bulk is None:
            self._bulk = _BulkCache.of(self._postings)
        bulk = self._bulk
        query = sparse.csr_matrix(vectors)
        tail = self._dense.shape[1]
        lexical = query[:, : query.shape[1] - tail] if tail else query
        text: FloatArray = np.asarray((lexical[:, bulk.rare] @ bulk.rare_postings).todense())
        if bulk.frequent.size:
            text += lexical[:, bulk.frequent].toarray() @ bulk.frequent_rows
        if tail:
            text += query[:, -tail:].toarray() @ self._dense.T
        return np.clip(text.astype(np.float32), 0.0, 1.0)

    def _blend(
        self, scores: FloatArray, categories: Sequence[str], exclude: str | None
    ) -> FloatArray:
        """Blend in category agreement and score the excluded entity's rows -1."""
        if categories and self._cats.shape[1]:
            q = self.categories.vectors([categories])[0]
            if q.any():
                both = self._cats.any(axis=1)
                cat = np.clip(self._cats @ q, 0.0, 1.0)
                w = np.float32(self.category_weight)
                scores = np.where(both, (1 - w) * scores + w * cat, scores)
        own = self._entity_ids.get(exclude) if exclude is not None else None
        if own is not None:
            scores[self._entities == own] = -1.0
        return scores

    def _build_query_cache(self) -> None:
        """The sparse columns as postings (one row per feature) and the dense tail as an array."""
        tail = min(getattr(self.embedder, "dense_tail", 0), self._matrix.shape[1])
        sparse_part = self._matrix[:, : self._matrix.shape[1] - tail]
        self._postings = sparse_part.T.tocsr()
        self._bulk = None
        self._dense = np.asarray(self._matrix[:, sparse_part.shape[1] :].todense(), np.float32)

    def _top(self, scores: FloatArray, top_k: int) -> list[Match]:
        if top_k <= 0 or scores.size == 0:
            return []
        k = min(top_k, scores.size)
        cand = np.argpartition(-scores, k - 1)[:k] if k < scores.size else np.arange(scores.size)
        cand = cand[scores[cand] > 0]
        order = cand[np.lexsort((cand, -scores[cand]))]
        return [
            Match(self.items[i].key, self.items[i].entity, self.items[i].document, float(scores[i]))
            for i in order
        ]

    # -- state for persistence (see clauselens.similarity.persist) ----------------------------

    @property
    def matrix(self) -> Matrix:
        return self._matrix

    @property
    def category_matrix(self) -> FloatArray:
        return self._cats

    def restore(
        self, items: list[Item], matrix: Matrix, cats: FloatArray, codes: list[str]
    ) -> None:
        """Install saved rows without recomputing them (used by ``load_index``)."""
        self.items = []
        self.categories = CategoryCodes(codes)
        self._rows, self._entity_ids = {}, {}
        self._entities = np.zeros(0, dtype=np.int32)
        self._cats = np.zeros((0, len(codes)), dtype=np.float32)
        self._matrix = None
        self.items = list(items)
        self._append_rows(self.items, matrix, start=0)
        self._cats = cats.astype(np.float32)
        self._fit_size = len(items)


@dataclass(frozen=True)
class _BulkCache:
    """The postings split for block queries (``scores_of``): the features found in the most
    items, up to ``BULK_DENSE_CELLS`` cells, as a dense array (one row per feature), the rest
    as sparse postings. Scoring a block against a frequent feature costs a dense product; the
    sparse product's cost grows with the square of a feature's postings, so the split turns
    the 3,672 provisions of the development corpus from 9 s into about 2 s."""

    frequent: npt.NDArray[np.int64]
    rare: npt.NDArray[np.int64]
    frequent_rows: FloatArray
    rare_postings: Matrix

    @classmethod
    def of(cls, postings: Matrix) -> _BulkCache:
        features, items = postings.shape
        df = np.diff(postings.indptr)
        room = BULK_DENSE_CELLS // max(items, 1)
        top = np.argsort(-df, kind="stable")[:room]
        frequent = np.sort(top[df[top] >= BULK_MIN_DF])
        mask = np.ones(features, dtype=bool)
        mask[frequent] = False
        rare = np.flatnonzero(mask)
        return cls(
            frequent=frequent,
            rare=rare,
            frequent_rows=np.asarray(postings[frequent].todense(), dtype=np.float32),
            rare_postings=postings[rare],
        )


def _unique(items: Iterable[Item]) -> list[Item]:
    """Items with duplicate keys collapsed to the last one, in first-seen order."""
    by_key: dict[str, Item] = {}
    for it in items:
        by_key[it.key] = it
    return list(by_key.values())


def _vstack(top: Matrix, bottom: Matrix) -> Matrix:
    if sparse.issparse(top):
        return sparse.vstack([top, bottom], format="csr", dtype=np.float32)
    return np.vstack([top, bottom]).astype(np.float32)
