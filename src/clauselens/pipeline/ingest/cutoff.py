"""Does a capture look cut off? A version-level signal that the flag stage turns into a flag.

A capture looks cut off when its text ends mid-sentence, ends with an ellipsis, or is far
shorter than the version before it. Each rule gives a reason an analyst can check.
"""

from __future__ import annotations

import re
import unicodedata

SHRINK_RATIO = 0.5
_ELLIPSIS = re.compile(r"(\.\.\.|…)\s*$")
# What a complete document may end with: sentence punctuation, closing marks, Markdown/table
# syntax, a URL or link, a date or a number (many policies end with "Last updated 2024-01-01").
_CLEAN_END = re.compile(r"""([.!?:;)\]"'”’*_|>`}\-–—]|\d|https?://\S+|\w+@\w+\.\w+)$""")
_SHORT_LINE_WORDS = 12


def _visible(text: str) -> str:
    """Drop invisible format characters (zero-width joiners, word joiners) that pages leave
    after the last sentence."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def looks_cut_off(text: str, previous: str | None = None) -> tuple[bool, str | None]:
    """``(True, reason)`` when the capture looks truncated, else ``(False, None)``."""
    body = _visible(text).rstrip()
    if _ELLIPSIS.search(body):
        return True, "the capture ends with an ellipsis"
    last_line = body.rsplit("\n", 1)[-1].strip()
    if len(last_line.split()) > _SHORT_LINE_WORDS and not _CLEAN_END.search(last_line):
        return True, f"the capture ends mid-sentence: …{last_line[-60:]!r}"
    if previous and len(body) < SHRINK_RATIO * len(previous.rstrip()):
        return True, (
            f"the capture is {len(body):,} characters, under {SHRINK_RATIO:.0%} of the "
            f"previous version's {len(previous.rstrip()):,}"
        )
    return False, None
