"""The classifier's features: one function shared by training and inference.

Input is text already in the corpus form (``normalise_for_classifier``); features are word
unigrams (``w:``) and bigrams (``b:``) over its whitespace tokens. Training passes this function
to scikit-learn as the analyzer; inference calls it directly, so both see the same features.
"""

from __future__ import annotations

import itertools


def features(text: str) -> list[str]:
    """Word unigram and bigram features of a normalised sentence."""
    tokens = text.split()
    unigrams = [f"w:{tok}" for tok in tokens]
    bigrams = [f"b:{a} {b}" for a, b in itertools.pairwise(tokens)]
    return unigrams + bigrams
