"""Text normalisation shared by every stage: the one place that says what counts as "the same text".

- ``normalise_whitespace``: collapse runs of whitespace, NFC, strip. Used for clause hashes and
  for matching evidence quotes.
- ``clause_sha256``: the identity of a clause's text (hex SHA-256 of its normalised text).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

_WS = re.compile(r"\s+")


def normalise_whitespace(text: str) -> str:
    """NFC-normalise, collapse every run of whitespace to one space, strip both ends."""
    return _WS.sub(" ", unicodedata.normalize("NFC", text)).strip()


def clause_sha256(text: str) -> str:
    """Hex SHA-256 of a clause's whitespace-normalised text."""
    return hashlib.sha256(normalise_whitespace(text).encode("utf-8")).hexdigest()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def word_count(text: str) -> int:
    return len(text.split())
