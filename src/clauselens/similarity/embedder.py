"""Turning provision text into vectors: the ``Embedder`` protocol and its embedded default.

An embedder is fitted once on a corpus and then maps any text to a row vector whose L2 norm is 1
(or 0 for a text with no known feature), so that a dot product is a cosine in [0, 1] for
non-negative features. Its state round-trips through JSON-safe parameters plus numpy arrays, so an
index can be saved without pickle. An embedding model can implement the same protocol later
(dense rows) and register a loader in ``EMBEDDER_LOADERS``.

The default, ``TfidfEmbedder``, needs no network and no model download: sublinear TF-IDF over
normalised text, word 1-2 grams blended with character 3-5 grams inside word boundaries (the two
L2-normalised blocks are concatenated with weights sqrt(w) and sqrt(1-w), so a dot product is
w * word cosine + (1-w) * char cosine). That lexical row is then fused with a dense semantic
row, the SIF sentence vector of the shipped word vectors (``similarity.vectors``), the same way:
a dot product is ``(1 - s) * lexical cosine + s * semantic cosine`` with ``s`` =
``semantic_weight``, so texts that say the same thing in different words still score. The dense
columns come last (``dense_tail`` says how many) so the index can score them as a dense block.
``bench/similarity_eval.py`` measures the choices with case-grouped cross-validation.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer

from clauselens.similarity._text import normalise_for_similarity
from clauselens.similarity.vectors import WordVectors, shipped_vectors

MIN_DF_FROM = 100
SEMANTIC_WEIGHT = 0.2
"""Share of the score given to the word-vector cosine. Chosen by case-grouped cross-validation
on the ToS;DR points (``bench/similarity_eval.py``: on each fold's training cases, from 0, 0.1,
0.2, 0.3); the shipped value is the one the same selection makes on all cases."""
FloatArray = npt.NDArray[np.float32]
Matrix = Any  # a scipy.sparse CSR matrix or a dense FloatArray, rows L2-normalised


@dataclass(frozen=True)
class EmbedderState:
    """What it takes to rebuild a fitted embedder: JSON-safe ``params`` and numpy ``arrays``."""

    name: str
    params: dict[str, Any]
    arrays: dict[str, npt.NDArray[Any]] = field(default_factory=dict)


class Embedder(Protocol):
    """Maps texts to L2-normalised rows. ``name`` picks the loader; ``version`` changes with the
    parameters or the fitted vocabulary, so cached vectors can be told apart. The last
    ``dense_tail`` columns of a sparse row are dense (0: none)."""

    @property
    def dense_tail(self) -> int: ...

    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...

    @property
    def fitted(self) -> bool: ...

    def fit(self, texts: Sequence[str]) -> None: ...

    def transform(self, texts: Sequence[str]) -> Matrix: ...

    def unknown_share(self, texts: Sequence[str]) -> float:
        """Share of the texts' tokens the fitted model does not know (vocabulary drift)."""
        ...

    def state(self) -> EmbedderState: ...


@dataclass(frozen=True)
class TfidfParams:
    """Parameters of ``TfidfEmbedder``; ``char_weight`` 0 switches the character block off and
    ``semantic_weight`` 0 the word-vector block.

    ``min_df`` drops features seen in fewer texts at fit (they cannot match anything and only
    dilute the norm); it applies from ``MIN_DF_FROM`` fitted texts on, so tiny indexes keep all.
    """

    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (3, 5)
    char_weight: float = 0.5
    min_df: int = 2
    max_df: float = 1.0
    sublinear_tf: bool = True
    semantic_weight: float = SEMANTIC_WEIGHT


@dataclass
class _Block:
    """One fitted vocabulary (word or char) and its idf weights."""

    analyzer: str
    ngrams: tuple[int, int]
    terms: list[str]
    idf: FloatArray
    _vectoriser: CountVectorizer | None = None

    def vectoriser(self) -> CountVectorizer:
        if self._vectoriser is None:
            self._vectoriser = _count_vectoriser(
                self.analyzer, self.ngrams, vocabulary={t: i for i, t in enumerate(self.terms)}
            )
        return self._vectoriser

    def transform(self, texts: Sequence[str], sublinear: bool) -> Any:
        if not self.terms:
            return sparse.csr_matrix((len(texts), 0), dtype=np.float32)
        return self.weigh(self.vectoriser().transform(texts), sublinear)

    def weigh(self, counts: Any, sublinear: bool) -> Any:
        """Term counts in this block's columns → L2-normalised TF-IDF rows."""
        counts = sparse.csr_matrix(counts, dtype=np.float32)
        if sublinear:
            np.log(counts.data, out=counts.data)
            counts.data += 1.0
        counts.data *= self.idf[counts.indices]
        return _l2_rows(counts)


def _l2_rows(matrix: Any) -> Any:
    """Scale each row of a sparse matrix to unit L2 norm (all-zero rows stay zero), as CSR."""
    csr = sparse.csr_matrix(matrix, dtype=np.float32)
    norms = np.sqrt(
        np.bincount(
            np.repeat(np.arange(csr.shape[0]), np.diff(csr.indptr)),
            weights=csr.data.astype(np.float64) ** 2,
            minlength=csr.shape[0],
        )
    )
    norms[norms == 0] = 1.0
    csr.data /= np.repeat(norms, np.diff(csr.indptr)).astype(np.float32)
    return csr


def _count_vectoriser(
    analyzer: str,
    ngrams: tuple[int, int],
    *,
    vocabulary: dict[str, int] | None = None,
    min_df: int = 1,
    max_df: float = 1.0,
) -> CountVectorizer:
    return CountVectorizer(
        analyzer=analyzer,
        ngram_range=ngrams,
        preprocessor=normalise_for_similarity,
        lowercase=False,
        token_pattern=r"(?u)\b\w+\b" if analyzer == "word" else None,
        vocabulary=vocabulary,
        min_df=min_df,
        max_df=max_df,
        dtype=np.float32,
    )


def _fit_block(
    analyzer: str, ngrams: tuple[int, int], texts: Sequence[str], params: TfidfParams
) -> tuple[_Block, Any]:
    """The block fitted on ``texts`` and their term counts in its columns."""
    min_df = params.min_df if len(texts) >= MIN_DF_FROM else 1
    vec = _count_vectoriser(analyzer, ngrams, min_df=min_df, max_df=params.max_df)
    try:
        counts = sparse.csr_matrix(vec.fit_transform(texts))
    except ValueError:  # empty vocabulary: every text was blank
        empty = sparse.csr_matrix((len(texts), 0), dtype=np.float32)
        return _Block(analyzer, ngrams, [], np.zeros(0, dtype=np.float32)), empty
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    idf = (np.log((1 + len(texts)) / (1 + df)) + 1.0).astype(np.float32)
    terms = [""] * len(vec.vocabulary_)
    for term, i in vec.vocabulary_.items():
        terms[i] = term
    return _Block(analyzer, ngrams, terms, idf), counts


class TfidfEmbedder:
    """Sublinear TF-IDF, word 1-2 grams blended with char 3-5 grams, fused with the word-vector
    sentence vector at ``semantic_weight`` (see the module docstring). ``vectors`` defaults to
    the shipped ones; the benchmark passes others only to compare."""

    name = "tfidf"

    def __init__(
        self, params: TfidfParams | None = None, vectors: WordVectors | None = None
    ) -> None:
        self.params = params or TfidfParams()
        self._blocks: list[tuple[_Block, float]] = []
        self.vectors: WordVectors | None = None
        if self.params.semantic_weight > 0:
            self.vectors = vectors if vectors is not None else shipped_vectors()

    @property
    def dense_tail(self) -> int:
        return self.vectors.dim if self.vectors is not None else 0

    @property
    def fitted(self) -> bool:
        return bool(self._blocks)

    @property
    def version(self) -> str:
        digest = hashlib.sha256(json.dumps(asdict(self.params), sort_keys=True).encode())
        for block, _ in self._blocks:
            digest.update("\x00".join(block.terms).encode())
        if self.vectors is not None:
            digest.update(self.vectors.version.encode())
        return f"tfidf-2:{digest.hexdigest()[:16]}"

    def fit(self, texts: Sequence[str]) -> None:
        self.fit_transform(texts)

    def fit_transform(self, texts: Sequence[str]) -> Matrix:
        """``fit`` then ``transform`` of the same texts, counting their terms once."""
        p = self.params
        word, word_counts = _fit_block("word", p.word_ngrams, texts, p)
        fitted = [(word, 1.0 - p.char_weight, word_counts)]
        if p.char_weight > 0:
            char, char_counts = _fit_block("char_wb", p.char_ngrams, texts, p)
            fitted.append((char, p.char_weight, char_counts))
        self._blocks = [(block, weight) for block, weight, _ in fitted]
        return self._rows(
            texts,
            [
                block.weigh(counts, p.sublinear_tf) if block.terms else counts
                for block, _, counts in fitted
            ],
        )

    def transform(self, texts: Sequence[str]) -> Matrix:
        if not self._blocks:
            raise RuntimeError("TfidfEmbedder.transform called before fit")
        blocks = [block.transform(texts, self.params.sublinear_tf) for block, _ in self._blocks]
        return self._rows(texts, blocks)

    def _rows(self, texts: Sequence[str], blocks: list[Any]) -> Matrix:
        """The fused rows from each block's TF-IDF rows (in ``_blocks`` order)."""
        parts = [
            rows * np.float32(np.sqrt(weight))
            for rows, (_, weight) in zip(blocks, self._blocks, strict=True)
        ]
        lexical = _l2_rows(sparse.hstack(parts, format="csr", dtype=np.float32))
        if self.vectors is None:
            return lexical
        s = self.params.semantic_weight
        dense = self.vectors.sentence_vectors(texts) * np.float32(np.sqrt(s))
        fused = sparse.hstack(
            [lexical * np.float32(np.sqrt(1 - s)), sparse.csr_matrix(dense)], format="csr"
        )
        return _l2_rows(fused)

    def unknown_share(self, texts: Sequence[str]) -> float:
        if not self._blocks or not texts:
            return 0.0
        block = self._blocks[0][0]
        if not block.terms:
            return 1.0
        analyse = block.vectoriser().build_analyzer()
        known = block.vectoriser().vocabulary
        tokens = [t for text in texts for t in analyse(text)]
        if not tokens:
            return 0.0
        return sum(1 for t in tokens if t not in known) / len(tokens)

    def state(self) -> EmbedderState:
        blocks = [
            {"analyzer": b.analyzer, "ngrams": list(b.ngrams), "terms": b.terms, "weight": w}
            for b, w in self._blocks
        ]
        arrays = {f"idf_{i}": b.idf for i, (b, _) in enumerate(self._blocks)}
        params = {"params": asdict(self.params), "blocks": blocks}
        if self.vectors is not None:
            params["vectors"] = self.vectors.version
        return EmbedderState(self.name, params, arrays)

    @classmethod
    def from_state(cls, state: EmbedderState) -> TfidfEmbedder:
        raw = state.params["params"]
        params = TfidfParams(
            **{
                **raw,
                "word_ngrams": tuple(raw["word_ngrams"]),
                "char_ngrams": tuple(raw["char_ngrams"]),
            }
        )
        emb = cls(params)
        saved = state.params.get("vectors")
        if emb.vectors is not None and saved != emb.vectors.version:
            raise ValueError(
                f"embedder saved with word vectors {saved}, this package ships "
                f"{emb.vectors.version}: rebuild the index"
            )
        emb._blocks = [
            (
                _Block(
                    b["analyzer"],
                    (b["ngrams"][0], b["ngrams"][1]),
                    list(b["terms"]),
                    state.arrays[f"idf_{i}"].astype(np.float32),
                ),
                float(b["weight"]),
            )
            for i, b in enumerate(state.params["blocks"])
        ]
        return emb


EMBEDDER_LOADERS: dict[str, Callable[[EmbedderState], Embedder]] = {
    TfidfEmbedder.name: TfidfEmbedder.from_state,
}
