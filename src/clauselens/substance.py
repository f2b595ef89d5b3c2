"""How much a clause says: operative text, a preamble, or nothing of substance.

The review queue sinks a clause with nothing of substance below every other (``store.placement``),
so the measure is plain text rules that hold for any policy, in three steps:

1. Set aside the clause's heading lines (the entries of its heading path, ``#`` headings, setext
   underlines) and navigation: a language selector ("English", "Deutsch"), a "Contents" or "On
   this page" line, lines made only of links.
2. Set aside date lines ("Last updated: March 3, 2025", "Effective September 15, 2025").
3. Count the words of what is left, in sentence-like lines only (five words or more, or ending in
   sentence punctuation): a table of contents or a menu of short titles says nothing.

Fewer than ``MIN_WORDS`` words left: ``Substance.NONE``, with what was found instead. Otherwise a
*preamble* (``Substance.PREAMBLE``) is one of the first clauses of a version that leads into the
sections after it (the text between the document's title and its first section, or before any
heading; navigation headings set aside) and is short (``PREAMBLE_WORDS``; longer, it is the
body of a document without sections), or a section headed Introduction, Overview, Preamble or
Welcome; the rest is ``Substance.OPERATIVE``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

MIN_WORDS = 6
PREAMBLE_POSITIONS = 2  # the first clauses of a version (by ``idx``) may be its preamble
PREAMBLE_WORDS = 400  # longer, it is the body of a document without sections, not a preamble


class Substance(IntEnum):
    """What a clause says; lower comes first in the review queue."""

    OPERATIVE = 0
    PREAMBLE = 1
    NONE = 2


# Languages as a language selector names them (their own names, and English names).
LANGUAGES = frozenset(
    [
        "english",
        "deutsch",
        "german",
        "español",
        "spanish",
        "français",
        "french",
        "italiano",
        "italian",
        "português",
        "portuguese",
        "nederlands",
        "dutch",
        "polski",
        "polish",
        "русский",
        "russian",
        "türkçe",
        "turkish",
        "日本語",
        "japanese",
        "한국어",
        "korean",
        "中文",
        "简体中文",
        "繁體中文",
        "chinese",
        "العربية",
        "arabic",
        "עברית",
        "hebrew",
        "हिन्दी",
        "hindi",
        "bahasa",
        "indonesia",
        "svenska",
        "swedish",
        "dansk",
        "danish",
        "norsk",
        "norwegian",
        "suomi",
        "finnish",
        "čeština",
        "czech",
        "magyar",
        "hungarian",
        "română",
        "romanian",
        "ελληνικά",
        "greek",
        "українська",
        "ukrainian",
        "tiếng",
        "việt",
        "vietnamese",
        "ไทย",
        "thai",
    ]
)
NAVIGATION = frozenset(
    {
        "contents",
        "table of contents",
        "on this page",
        "in this article",
        "skip to content",
        "skip to main content",
        "back to top",
        "print",
        "download",
        "previous version",
        "archived versions",
        "language",
        "select language",
    }
)
PREAMBLE_HEADINGS = frozenset({"introduction", "overview", "preamble", "welcome"})

_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"https?://\S+")
_UNDERLINE = re.compile(r"^[=\-_*]{3,}$")
_DECOR = " \t#*_>|`-+•·:"
_DATE_LEAD = re.compile(
    r"^(last\s+(updated|modified|revised|changed)|updated|effective(\s+date|\s+as\s+of)?|"
    r"(date\s+of\s+)?last\s+revision|revised|version\s+date|published|posted)\b",
    re.IGNORECASE,
)
_MONTH = (
    r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4}|"
    r"\d{1,2}\s+(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{4}"
)
_DATE_ONLY = re.compile(
    rf"^({_MONTH}|\d{{4}}-\d{{2}}-\d{{2}}|\d{{1,2}}/\d{{1,2}}/\d{{2,4}})$", re.I
)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]")


@dataclass(frozen=True)
class Assessment:
    """A clause's substance, its substantive words, and what was set aside, for the reason."""

    substance: Substance
    words: int
    set_aside: tuple[str, ...] = ()

    @property
    def note(self) -> str:
        """One phrase: "operative text, 143 words", "no substantive text (a date line)"."""
        if self.substance is Substance.NONE:
            found = " and ".join(self.set_aside) or "nothing but its heading"
            return f"no substantive text ({found})"
        kind = "preamble" if self.substance is Substance.PREAMBLE else "operative text"
        return f"{kind}, {self.words} words"


def _plain(line: str) -> str:
    line = _LINK.sub(lambda m: f" {m.group(1)} ", line)
    return " ".join(_URL.sub(" ", line).split()).strip(_DECOR)


def _key(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))


def is_navigation(text: str) -> bool:
    """A heading or line that only navigates: a language name (or a list of them), "Contents"."""
    key = _key(text)
    if not key:
        return False
    return key in NAVIGATION or all(word in LANGUAGES for word in key.split())


def _is_date_line(plain: str) -> bool:
    words = len(plain.split())
    return words <= 12 and bool(_DATE_LEAD.match(plain) or _DATE_ONLY.match(plain))


def _words(plain: str) -> int:
    return len(_WORD.findall(plain)) + len(_CJK.findall(plain)) // 2


def _mostly_links(line: str) -> bool:
    """Links and little else: a menu, a breadcrumb, a table of contents entry."""
    links = len(_LINK.findall(line))
    rest = _words(_plain(_LINK.sub(" ", line)))
    return (links >= 1 and rest == 0) or (links >= 2 and rest < MIN_WORDS)


def _sections(heading_path: Sequence[str]) -> list[str]:
    return [_key(h) for h in heading_path if not is_navigation(h)]


def _leads_into(path: list[str], next_path: list[str]) -> bool:
    """This clause sits under the document's title at most, and the next one under the same
    heading (in a section of it, or past a navigation heading): this one is the text between
    the title and the first section (or before any heading)."""
    return len(path) <= 1 and next_path[: len(path)] == path


def _sentence_like(plain: str, words: int) -> bool:
    return words >= MIN_WORDS - 1 or plain.rstrip()[-1:] in {".", "!", "?", ";", "。"}


def assess(
    text: str,
    heading_path: Sequence[str] = (),
    position: int | None = None,
    next_path: Sequence[str] | None = None,
) -> Assessment:
    """The substance of a clause (module docstring); ``position`` is its ``idx`` in its version
    and ``next_path`` the heading path of the clause after it (``None``: none, or unknown)."""
    headings = {_key(h) for h in heading_path}
    set_aside: dict[str, None] = {}
    words = 0
    for raw in text.splitlines():
        line = raw.strip()
        if not line or _UNDERLINE.match(line):
            continue
        plain = _plain(line)
        if not plain or (not _WORD.search(plain) and not _CJK.search(plain)):
            if _LINK.search(line) or _URL.search(line):
                set_aside["links only"] = None
            continue
        if _key(plain) in headings or line.startswith("#"):
            continue
        if is_navigation(plain):
            set_aside["a language selector" if _key(plain) not in NAVIGATION else "navigation"] = (
                None
            )
        elif _is_date_line(plain):
            set_aside["a date line"] = None
        elif _mostly_links(line):
            set_aside["links only"] = None
        else:
            n = _words(plain)
            if _sentence_like(plain, n):
                words += n
            else:
                set_aside["short lines only"] = None
    if words < MIN_WORDS:
        return Assessment(Substance.NONE, words, tuple(set_aside))
    path = _sections(heading_path)
    early = position is not None and position < PREAMBLE_POSITIONS and words <= PREAMBLE_WORDS
    leads_in = next_path is not None and _leads_into(path, _sections(next_path))
    named = bool(path) and _key(path[-1]) in PREAMBLE_HEADINGS
    if (early and leads_in) or named:
        return Assessment(Substance.PREAMBLE, words, tuple(set_aside))
    return Assessment(Substance.OPERATIVE, words, tuple(set_aside))
