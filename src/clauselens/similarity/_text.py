"""Text normalisation for similarity features (not for identity: that is ``clauselens.textnorm``).

Lower-cases, folds compatibility characters (NFKC), and replaces URLs, e-mail addresses and
numbers by placeholder tokens so that "30 days" and "14 days" or two support addresses look alike.
"""

from __future__ import annotations

import re
import unicodedata

_URL = re.compile(r"(?:https?://|www\.)\S+")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+\.[\w.-]+\b")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})
_WS = re.compile(r"\s+")


def normalise_for_similarity(text: str) -> str:
    """Return the text the similarity features are computed from."""
    out = unicodedata.normalize("NFKC", text).translate(_QUOTES).lower()
    out = _URL.sub(" urltoken ", out)
    out = _EMAIL.sub(" emailtoken ", out)
    out = _NUMBER.sub(" 0 ", out)
    return _WS.sub(" ", out).strip()
