"""Cross-platform similarity: which other platforms have a provision like this one.

- ``records``: ``Item`` (a provision to index) and ``Match`` (a result).
- ``embedder``: the ``Embedder`` protocol and the embedded default ``TfidfEmbedder`` (lexical
  TF-IDF fused with word-vector sentence vectors).
- ``vectors``: the shipped word vectors (``data/word_vectors.npz``) and SIF sentence vectors;
  ``train_vectors`` rebuilds them from the development corpus (gensim, development only).
- ``index``: ``SimilarityIndex`` (build, add/update, remove, query, platform_counts).
- ``calibration``: ``DEFAULT_THRESHOLD`` and how it was chosen.
- ``persist``: ``save_index`` / ``load_index`` (JSON + npz, no pickle).

The package does not touch the store; callers turn provisions into ``Item`` records.
"""

from clauselens.similarity.calibration import DEFAULT_THRESHOLD
from clauselens.similarity.embedder import Embedder, EmbedderState, TfidfEmbedder, TfidfParams
from clauselens.similarity.index import CATEGORY_WEIGHT, RefitPolicy, SimilarityIndex
from clauselens.similarity.persist import load_index, save_index
from clauselens.similarity.records import Item, Match

__all__ = [
    "CATEGORY_WEIGHT",
    "DEFAULT_THRESHOLD",
    "Embedder",
    "EmbedderState",
    "Item",
    "Match",
    "RefitPolicy",
    "SimilarityIndex",
    "TfidfEmbedder",
    "TfidfParams",
    "load_index",
    "save_index",
]
