"""The classifier's features: one function shared by training and inference.

Input is text already in the corpus form (``normalise_for_classifier``). Two blocks of features:
words, i.e. unigrams (``w:``) and bigrams (``b:``) over whitespace tokens, and characters, i.e.
n-grams of ``CHAR_SIZES`` lengths (``c:``) inside each token padded with one space on each side
(scikit-learn's ``char_wb``). Each block is weighted and L2-normalised on its own, so the many
character n-grams do not drown the words. Training builds its matrices from this function;
inference calls it directly, so both see the same features.
"""

from __future__ import annotations

import itertools
from functools import lru_cache

WORD_BLOCK = 0
CHAR_BLOCK = 1
CHAR_SIZES = (3, 4, 5)


def word_features(text: str) -> list[str]:
    """Word unigram and bigram features of a normalised sentence."""
    tokens = text.split()
    unigrams = [f"w:{tok}" for tok in tokens]
    bigrams = [f"b:{a} {b}" for a, b in itertools.pairwise(tokens)]
    return unigrams + bigrams


@lru_cache(maxsize=1 << 16)
def token_char_features(token: str) -> tuple[str, ...]:
    """Character n-grams of one space-padded token (cached: tokens repeat a lot)."""
    padded = f" {token} "
    return tuple("c:" + padded[i : i + n] for n in CHAR_SIZES for i in range(len(padded) - n + 1))


def char_features(text: str) -> list[str]:
    """Character n-grams within each space-padded token of a normalised sentence."""
    return [f for token in text.split() for f in token_char_features(token)]


def features(text: str) -> list[str]:
    """All features of a normalised sentence: the word block, then the character block."""
    return word_features(text) + char_features(text)


def block_of(feature: str) -> int:
    """The block a feature is normalised in."""
    return CHAR_BLOCK if feature.startswith("c:") else WORD_BLOCK
