"""Sentence vectors from the shipped word vectors: similarity beyond shared words and n-grams.

``WordVectors`` holds word vectors trained offline on policy text (``train_vectors`` rebuilds
them deterministically; ``data/word_vectors.npz`` ships them, about 1.6 MB, read with
``allow_pickle=False``), each word's SIF weight ``a / (a + p(word))`` and the corpus's first
principal component. A text's vector is the SIF-weighted mean of the vectors of its known words
(tokens as the TF-IDF word block sees them, after ``normalise_for_similarity``) with that
component projected out, L2-normalised (Arora, Liang & Ma 2017); a text with no known word gets
a zero row. Nothing is downloaded at run time, and the package works without the training data.

Training data, with attribution (see ``train_vectors``): Open Terms Archive current documents
(ODC-By 1.0, Open Terms Archive contributors, opentermsarchive.org) and the CLAUDETTE sentences
(CC BY 4.0; Lippi et al. 2019, as redistributed by LexGLUE, Chalkidis et al. 2022). ToS;DR text
is not used, so the ToS;DR similarity benchmark stays out of everything learned here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from io import BytesIO
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.feature_extraction.text import CountVectorizer

from clauselens.similarity._text import normalise_for_similarity

VECTORS_RESOURCE = "data/word_vectors.npz"
TOKEN_PATTERN = r"(?u)\b\w+\b"
FloatArray = npt.NDArray[np.float32]


@dataclass(frozen=True)
class WordVectors:
    """Word vectors with SIF weights and the principal component to remove (see module doc)."""

    words: list[str]
    vectors: FloatArray
    weights: FloatArray
    component: FloatArray
    meta: dict[str, Any] = field(default_factory=dict)
    _counter: CountVectorizer = field(init=False, repr=False, compare=False)
    _weighted: FloatArray = field(init=False, repr=False, compare=False)
    _version: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        counter = CountVectorizer(
            preprocessor=normalise_for_similarity,
            lowercase=False,
            token_pattern=TOKEN_PATTERN,
            vocabulary={w: i for i, w in enumerate(self.words)},
            dtype=np.float32,
        )
        digest = hashlib.sha256("\x00".join(self.words).encode())
        for array in (self.vectors.astype(np.float16), self.weights, self.component):
            digest.update(np.ascontiguousarray(array, dtype=array.dtype).tobytes())
        object.__setattr__(self, "_counter", counter)
        object.__setattr__(
            self, "_weighted", (self.vectors * self.weights[:, None]).astype(np.float32)
        )
        object.__setattr__(self, "_version", f"sif-1:{digest.hexdigest()[:16]}")

    @property
    def dim(self) -> int:
        return int(self.vectors.shape[1])

    @property
    def version(self) -> str:
        """A content hash: differs whenever the words, vectors or weights differ."""
        return self._version

    def counts(self, texts: Sequence[str]) -> Any:
        """Sparse counts of the known words of each text (one column per word)."""
        return self._counter.transform(texts)

    def sentence_vectors(self, texts: Sequence[str]) -> FloatArray:
        """One L2-normalised row per text (zeros for a text with no known word)."""
        counts = self.counts(texts)
        known = np.asarray(counts.sum(axis=1), dtype=np.float32).ravel()
        rows = np.asarray(counts @ self._weighted, dtype=np.float32)
        rows /= np.maximum(known, 1.0)[:, None]
        rows -= np.outer(rows @ self.component, self.component).astype(np.float32)
        norms = np.linalg.norm(rows, axis=1)
        rows /= np.where(norms > 0, norms, 1.0)[:, None]
        return rows

    def to_bytes(self) -> bytes:
        """The ``.npz`` file content (float16 vectors, no pickle)."""
        buffer = BytesIO()
        np.savez_compressed(
            buffer,
            words=np.array(self.words, dtype=str),
            vectors=self.vectors.astype(np.float16),
            weights=self.weights.astype(np.float32),
            component=self.component.astype(np.float32),
            meta=np.array(json.dumps(self.meta, sort_keys=True, ensure_ascii=False)),
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, raw: bytes) -> WordVectors:
        with np.load(BytesIO(raw), allow_pickle=False) as npz:
            return cls(
                words=[str(w) for w in npz["words"]],
                vectors=npz["vectors"].astype(np.float32),
                weights=npz["weights"].astype(np.float32),
                component=npz["component"].astype(np.float32),
                meta=json.loads(str(npz["meta"])),
            )


@cache
def shipped_vectors() -> WordVectors:
    """The word vectors shipped in the package (loaded once per process)."""
    raw = resources.files("clauselens").joinpath(VECTORS_RESOURCE).read_bytes()
    return WordVectors.from_bytes(raw)


def tokens(text: str) -> list[str]:
    """The words of a text as the vectors are trained and looked up."""
    return list(_ANALYSE(text))


_ANALYSE = CountVectorizer(
    preprocessor=normalise_for_similarity, lowercase=False, token_pattern=TOKEN_PATTERN
).build_analyzer()
