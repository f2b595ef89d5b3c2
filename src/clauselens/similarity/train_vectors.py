"""Rebuild the shipped word vectors (``data/word_vectors.npz``) from the development corpus.

    python -m clauselens.similarity.train_vectors [CORPUS_DIR] [--out PATH]

CORPUS_DIR defaults to ``../shared/corpus`` beside the repository. Training data, and the
attribution it requires wherever the vectors ship:

- ``ota/current/**/*.md``: the current Open Terms Archive documents, split at blank lines into
  paragraphs of at least 40 characters. ODC-By 1.0; Open Terms Archive contributors
  (opentermsarchive.org).
- ``claudette/tos50_train_validation.jsonl``: the CLAUDETTE sentences (``text_lexglue``, else
  ``text``) of at least 20 characters. CC BY 4.0; Lippi, Pałka, Contissa, Lagioia, Micklitz,
  Sartor, Torroni (2019), as redistributed by LexGLUE (Chalkidis et al., 2022).

ToS;DR points are deliberately *not* used: they are the similarity benchmark, and leaving them
out keeps every learned parameter independent of its cases (``bench/similarity_eval.py``).

Model: gensim skip-gram word2vec (100 dimensions, window 5, 5 negative samples, 10 epochs,
words seen at least 3 times), one worker and a fixed seed, so the same corpus gives the same
vectors. Then the SIF weights ``a / (a + p(word))`` with ``a = 1e-3`` and the first principal
component of the training paragraphs' weighted mean vectors (``similarity.vectors``). Vectors
are stored as float16. gensim is a development dependency: it is needed here, never at run time.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from clauselens.similarity.vectors import WordVectors, tokens

DEFAULT_CORPUS = Path(__file__).resolve().parents[3] / ".." / "shared" / "corpus"
DEFAULT_OUT = Path(__file__).resolve().parents[1] / "data" / "word_vectors.npz"
PARAMS = {
    "vector_size": 100,
    "window": 5,
    "negative": 5,
    "epochs": 10,
    "min_count": 3,
    "sg": 1,
    "seed": 1,
    "workers": 1,
}
SIF_A = 1e-3
MIN_PARAGRAPH = 40
MIN_SENTENCE = 20
SOURCES = {
    "ota/current": "Open Terms Archive current documents; ODC-By 1.0; Open Terms Archive "
    "contributors (opentermsarchive.org)",
    "claudette/tos50_train_validation.jsonl": "CLAUDETTE sentences; CC BY 4.0; Lippi, Pałka, "
    "Contissa, Lagioia, Micklitz, Sartor, Torroni (2019), via LexGLUE (Chalkidis et al., 2022)",
}


def ota_paragraphs(corpus: Path) -> list[str]:
    """Paragraphs of the current OTA documents, in sorted file order."""
    out = []
    for path in sorted((corpus / "ota" / "current").rglob("*.md")):
        for block in re.split(r"\n\s*\n", path.read_text(encoding="utf-8")):
            text = " ".join(block.split())
            if len(text) >= MIN_PARAGRAPH:
                out.append(text)
    return out


def claudette_sentences(corpus: Path) -> list[str]:
    path = corpus / "claudette" / "tos50_train_validation.jsonl"
    out = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                row = json.loads(line)
                text = row.get("text_lexglue") or row["text"]
                if len(text) >= MIN_SENTENCE:
                    out.append(text)
    return out


def train(texts: Sequence[str]) -> WordVectors:
    """Word vectors, SIF weights and principal component from ``texts`` (see module doc)."""
    from gensim.models import Word2Vec

    sentences = [tokens(text) for text in texts]
    model = Word2Vec(sentences, **PARAMS)
    words = list(model.wv.index_to_key)
    counts = Counter(word for sentence in sentences for word in sentence)
    total = sum(counts.values())
    weights = np.array([SIF_A / (SIF_A + counts[w] / total) for w in words], dtype=np.float32)
    vectors = np.asarray(model.wv.vectors, dtype=np.float16).astype(np.float32)
    no_component = WordVectors(words, vectors, weights, np.zeros(vectors.shape[1], np.float32))
    rows = _weighted_means(no_component, texts)
    component = np.linalg.svd(rows, full_matrices=False)[2][0].astype(np.float32)
    meta = {"params": PARAMS, "sif_a": SIF_A, "sources": SOURCES, "texts": len(texts)}
    return WordVectors(words, vectors, weights, component, meta)


def _weighted_means(wv: WordVectors, texts: Sequence[str]) -> npt.NDArray[np.float32]:
    """SIF-weighted mean vectors before normalisation (what the component is taken from)."""
    counts = wv.counts(texts)
    known = np.asarray(counts.sum(axis=1), dtype=np.float32).ravel()
    rows = np.asarray(counts @ (wv.vectors * wv.weights[:, None]), dtype=np.float32)
    return (rows / np.maximum(known, 1.0)[:, None]).astype(np.float32)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if not (args.corpus / "ota" / "current").is_dir():
        parser.error(f"{args.corpus} has no ota/current folder")
    texts = ota_paragraphs(args.corpus) + claudette_sentences(args.corpus)
    vectors = train(texts)
    args.out.write_bytes(vectors.to_bytes())
    print(
        f"{len(texts):,} texts, {len(vectors.words):,} words x {vectors.dim}: {args.out} "
        f"({args.out.stat().st_size / 1e6:.2f} MB, {vectors.version})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
