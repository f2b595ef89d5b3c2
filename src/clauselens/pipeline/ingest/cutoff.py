"""Does a capture look cut off? A version-level signal that the flag stage turns into a flag.

A capture looks cut off when its text ends mid-sentence, ends with an ellipsis, or is far
shorter than the version before it. Each rule gives a reason an analyst can check.

Every rule reads the end of the text (its last word, for the end rules), so a 20 MB text on one
line costs one pass, not one pass per character.
"""

from __future__ import annotations

import re

from clauselens.textnorm import by_category

SHRINK_RATIO = 0.5
_ELLIPSES = ("...", "…")
# What a complete document may end with: sentence punctuation, closing marks, Markdown/table
# syntax, a URL or link, a date or a number (many policies end with "Last updated 2024-01-01").
_CLEAN_LAST_CHARS = frozenset(".!?:;)]\"'”’*_|>`}-–—")
_URL_STARTS = ("http://", "https://")
_EMAIL_END = re.compile(r"(?<=\w)@\w+\.\w+$")
_SHORT_LINE_WORDS = 12


def _visible(text: str) -> str:
    """Drop invisible format characters (zero-width joiners, word joiners) that pages leave
    after the last sentence."""
    return by_category(text, {"Cf": ""})


def _has_url_end(word: str) -> bool:
    """A URL runs to the end of the word (``https?://\\S+$``: its first scheme starts it)."""
    starts = [k + len(s) for s in _URL_STARTS if (k := word.find(s)) >= 0]
    return bool(starts) and min(starts) < len(word)


def _ends_cleanly(line: str) -> bool:
    """Whether a (stripped, non-empty) line ends like a complete document. No rule spans a
    space, so each reads only the last word."""
    word = line.rsplit(None, 1)[-1]
    last = word[-1]
    return (
        last in _CLEAN_LAST_CHARS
        or last.isdecimal()
        or _has_url_end(word)
        or _EMAIL_END.search(word) is not None
    )


def looks_cut_off(text: str, previous: str | None = None) -> tuple[bool, str | None]:
    """``(True, reason)`` when the capture looks truncated, else ``(False, None)``."""
    body = _visible(text).rstrip()
    if body.endswith(_ELLIPSES):
        return True, "the capture ends with an ellipsis"
    last_line = body.rsplit("\n", 1)[-1].strip()
    many_words = len(last_line.split(maxsplit=_SHORT_LINE_WORDS)) > _SHORT_LINE_WORDS
    if many_words and not _ends_cleanly(last_line):
        return True, f"the capture ends mid-sentence: …{last_line[-60:]!r}"
    if previous and len(body) < SHRINK_RATIO * len(previous.rstrip()):
        return True, (
            f"the capture is {len(body):,} characters, under {SHRINK_RATIO:.0%} of the "
            f"previous version's {len(previous.rstrip()):,}"
        )
    return False, None
