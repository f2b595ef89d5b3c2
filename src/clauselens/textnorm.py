"""Text normalisation shared by every stage: the one place that says what counts as "the same text".

- ``normalise_whitespace``: collapse runs of whitespace, NFC, strip. Used for clause hashes and
  for matching evidence quotes.
- ``clause_sha256``: the identity of a clause's text (hex SHA-256 of its normalised text).
- ``cosmetic_form``, ``is_cosmetic_change``: which edits between two versions are only cosmetic
  (below).

Cosmetic form: the one definition of which edits between two versions are only cosmetic.
A change is *cosmetic* when the old and the new text have the same ``cosmetic_form``. The form
drops, in this order:

1. Markdown link and image targets: ``[text](url "title")``, ``![alt](url)`` and reference links
   ``[text][ref]`` become their text; reference definitions (``[ref]: url``) go entirely.
2. Markdown emphasis and code markers: ``*`` and ``_`` and backticks (removed without a space,
   so ``un*bold*ed`` and ``unbolded`` agree).
3. Markup characters ``= | < > ~ ^ #``, then every Unicode punctuation character (category ``P``:
   quotes, dashes, brackets, full stops, ...), each replaced by a space.
4. Letter case (``casefold``) and Unicode compatibility forms (NFKC).
5. Whitespace and invisible characters: Unicode format characters (category ``Cf``: word
   joiner, zero-width space and joiner, soft hyphen, byte-order mark) are removed; every run of
   whitespace becomes one space; both ends are stripped.

Symbols other than the markup characters (``$ € % + §``) and every letter and digit are kept,
so a changed amount, date, number or word is never cosmetic. The form is idempotent.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache


def normalise_whitespace(text: str) -> str:
    """NFC-normalise, collapse every run of whitespace to one space, strip both ends."""
    # str.split() and re's \s agree on what whitespace is (str.isspace); split is 3x faster.
    return " ".join(unicodedata.normalize("NFC", text).split())


def clause_sha256(text: str) -> str:
    """Hex SHA-256 of a clause's whitespace-normalised text."""
    return hashlib.sha256(normalise_whitespace(text).encode("utf-8")).hexdigest()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_REF_DEFINITION = re.compile(r"^[ \t]{0,3}\[[^\]\n]+\]:[ \t]*\S+(?:[ \t]+\S.*)?$", re.MULTILINE)
_BRACKETED = r"\[((?:[^\[\]\n]|\[[^\[\]\n]*\])*)\]"
_TARGET = r"\((?:[^()\s]|\([^()\s]*\))*(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'))?\s*\)"
_INLINE_LINK = re.compile(r"!?" + _BRACKETED + _TARGET)
_REFERENCE_LINK = re.compile(r"!?" + _BRACKETED + r"\[[^\[\]\n]*\]")
_EMPHASIS = re.compile(r"[*_`]+")
_MARKUP = re.compile(r"[=|<>~^#]")


#: Passes over nested links (each pass unwraps one or two levels). Real documents nest a link
#: in a link's text at most once; a bound keeps crafted nesting linear, and what is left of
#: deeper links is punctuation, turned into spaces below.
LINK_PASSES = 8


def _strip_links(text: str) -> str:
    for _ in range(LINK_PASSES):  # nested or adjacent links: repeat until nothing changes
        previous = text
        text = _INLINE_LINK.sub(r"\1", text)
        text = _REFERENCE_LINK.sub(r"\1", text)
        if text == previous:
            break
    return text


_DROP = {"P": " ", "Cf": ""}  # punctuation → space; invisible format characters → nothing


def by_category(text: str, replace: dict[str, str]) -> str:
    """``text`` with every character whose Unicode category (``"Cf"``) or major class (``"P"``)
    is a key of ``replace`` replaced by its value. One table for the distinct characters, then
    ``str.translate``: linear, and fast on megabytes."""
    table: dict[int, str] = {}
    for ch in set(text):
        category = unicodedata.category(ch)
        new = replace.get(category, replace.get(category[0]))
        if new is not None:
            table[ord(ch)] = new
    return text.translate(table) if table else text


def _no_punctuation(text: str) -> str:
    return by_category(text, _DROP)


@lru_cache(maxsize=16384)
def cosmetic_form(text: str) -> str:
    """The text with links, emphasis, punctuation, case and whitespace differences removed."""
    text = unicodedata.normalize("NFKC", text)
    text = _REF_DEFINITION.sub(" ", text)
    text = _strip_links(text)
    text = _EMPHASIS.sub("", text)
    text = _MARKUP.sub(" ", text)
    text = _no_punctuation(text).casefold()
    # casefold and NFKC can introduce new punctuation-free forms; normalise once more so the
    # result is a fixed point of this function.
    text = unicodedata.normalize("NFKC", text)
    return " ".join(text.split())


def is_cosmetic_change(old: str, new: str) -> bool:
    """True when ``old`` and ``new`` differ at most cosmetically (see the module docstring)."""
    return cosmetic_form(old) == cosmetic_form(new)
