"""Cosmetic reasons: why an aligned pair of clauses differs only cosmetically, or ``None``.

``textnorm.cosmetic_form`` says which edits never matter (links' targets, emphasis,
punctuation, case, whitespace). This module names the reason a pair is cosmetic, and adds the
edits that are cosmetic only under conditions (each checked on its own, first match wins):

- ``format``: the cosmetic forms are equal (emphasis, punctuation, heading style or level,
  ``<br>`` line breaks) and every link keeps its text and target.
- ``links``: the forms are equal and only links changed (a target, an anchor moved onto its
  heading's text); or the text outside links is unchanged and the link texts change no digit,
  negation or modal verb.
- ``renumbered``: the texts agree once the enumerator at the start of each line is dropped
  ("e. Claims" -> "f. **Claims**", "9." -> "10.", "(a)" -> "(b)"), the body identical.
- ``spelling``: word for word, each changed word within a small edit distance of the old one
  ("Lichtenstein" -> "Liechtenstein", "anonymisation" -> "anonymization"); no digit, negation
  or modal verb changes, no short word changes and no negating prefix appears or disappears
  ("lawful" -> "unlawful" is not spelling). The bounds are ``AlignSettings.spelling_*``.

A document-wide change of heading level is ``format``: every heading's markers are dropped by
the cosmetic form, so each clause pairs as cosmetic.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable

from rapidfuzz.distance import Levenshtein

from clauselens.config import AlignSettings
from clauselens.textnorm import by_category, cosmetic_form

#: Words whose change is never cosmetic: they carry obligation, permission or negation.
_GUARDED = (
    "not no nor never none neither without cannot can could may might must shall should "
    "will would need required optional only unless except"
)
GUARDED_WORDS = frozenset(_GUARDED.split())
NEGATING_PREFIXES = ("un", "in", "im", "il", "ir", "non", "dis")

_EMPHASIS = re.compile(r"[*_`]+")
_BR = re.compile(r"<br\s*/?>", re.IGNORECASE)
_LINK = re.compile(
    r"!?\[((?:[^\[\]\n]|\[[^\[\]\n]*\])*)\]"  # [text]
    r"(?:\((?:[^()\s]|\([^()\s]*\))*(?:\s+(?:\"[^\"\n]*\"|'[^'\n]*'))?\s*\)|\[[^\[\]\n]*\])"
)
_BARE_URL = re.compile(r"https?://\S+")
_ENUMERATOR = re.compile(
    r"^(?P<lead>[ \t]*(?:#{1,6}[ \t]+)?(?:[*_]{1,3})?(?:\[\]\([^)\s]*\))?[ \t]*)"
    r"(?:(?:section|article|part|§)[ \t]*)?"
    r"(?:\d{1,3}(?:\.\d{1,3})+\\?\.?|\d{1,3}\\?\.|[A-Za-z]\\?\.|[ivxlcdm]{1,6}\\?\."
    r"|\((?:\d{1,3}|[A-Za-z]|[ivxlcdm]{1,6})\))"
    r"(?=[ \t*_]|$)",
    re.IGNORECASE | re.MULTILINE,
)


def _form(text: str) -> str:
    return cosmetic_form(_BR.sub(" ", text))


def _links(text: str) -> list[tuple[str, str]]:
    """Each link as (cosmetic form of its text, the whole link markup)."""
    return [(cosmetic_form(m.group(1)), m.group(0)) for m in _LINK.finditer(text)]


def _visible(text: str) -> str:
    """A link's text as shown: emphasis and invisible characters dropped, spaces collapsed."""
    return " ".join(by_category(_EMPHASIS.sub("", text), {"Cf": ""}).split())


def _without_links(text: str) -> str:
    return _BARE_URL.sub(" ", _LINK.sub(" \x00 ", text))


def _guarded(words: list[str]) -> bool:
    return any(w in GUARDED_WORDS or any(ch.isdigit() for ch in w) for w in words)


def _format_or_links(old: str, new: str, settings: AlignSettings) -> str | None:
    if _form(old) != _form(new):
        return None
    old_links = list(_LINK.finditer(old))
    new_links = list(_LINK.finditer(new))
    if [_visible(m.group(1)) for m in old_links] != [_visible(m.group(1)) for m in new_links]:
        return "links"  # a link's text changed, or moved onto the words around it
    same_targets = [_link_target(m.group(0)) for m in old_links] == [
        _link_target(m.group(0)) for m in new_links
    ]
    return "format" if same_targets else "links"


def _link_target(markup: str) -> str:
    return markup[markup.rfind("](") + 2 :].strip(") ") if "](" in markup else markup


def _link_text(old: str, new: str, settings: AlignSettings) -> str | None:
    if _form(_without_links(old)) != _form(_without_links(new)):
        return None
    a = " ".join(f for f, _ in _links(old)).split()
    b = " ".join(f for f, _ in _links(new)).split()
    changed = _changed_words(a, b)
    return None if changed is None or _guarded(changed) else "links"


def _changed_words(a: list[str], b: list[str]) -> list[str] | None:
    words: list[str] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            words += a[i1:i2] + b[j1:j2]
    return words


def _renumbered(old: str, new: str, settings: AlignSettings) -> str | None:
    def strip(text: str) -> str:
        return _form(_ENUMERATOR.sub(lambda m: m.group("lead"), text))

    if strip(old) != strip(new) or not strip(old):
        return None
    return "renumbered"


def _spelled(a: str, b: str, settings: AlignSettings) -> bool:
    if a == b:
        return True
    shorter = min(len(a), len(b))
    if shorter < settings.spelling_min_chars or _guarded([a, b]):
        return False
    for prefix in NEGATING_PREFIXES:
        if a == prefix + b or b == prefix + a:
            return False
    bound = min(settings.spelling_max_edits, max(1, shorter // settings.spelling_chars_per_edit))
    return Levenshtein.distance(a, b, score_cutoff=bound) <= bound


def _spelling(old: str, new: str, settings: AlignSettings) -> str | None:
    if settings.spelling_max_edits == 0:
        return None
    a, b = _form(old).split(), _form(new).split()
    if len(a) != len(b) or a == b:
        return None
    return "spelling" if all(_spelled(x, y, settings) for x, y in zip(a, b, strict=True)) else None


_RULES: tuple[Callable[[str, str, AlignSettings], str | None], ...] = (
    _format_or_links,
    _link_text,
    _renumbered,
    _spelling,
)


def cosmetic_reason(old: str, new: str, settings: AlignSettings | None = None) -> str | None:
    """Why ``new`` differs only cosmetically from ``old`` (a reason above), or ``None``."""
    settings = settings or AlignSettings()
    for rule in _RULES if settings.class_rules else _RULES[:1]:
        reason = rule(old, new, settings)
        if reason is not None:
            return reason
    return None
