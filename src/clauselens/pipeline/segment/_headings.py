"""Heading recognition for segmentation: which blocks are headings, their titles and levels.

Markdown headings (ATX, setext) come from the block scan. Implicit headings are single-line
blocks that look like headings: a bold line (``**Title**``, ``__Title__``), a numbered or lettered
line ("1.", "1.1", "2.3.4 Title", "Section 3", "Article 5", "(a)", "A."), or a short plain line. An
implicit candidate is a heading only when body text follows it, directly or through a chain of
implicit headings; a run of same-style numbered lines with no body is a list, not headings.

Levels are tuples compared in order (lower is higher in the outline):
- Markdown heading of level n: ``(n, 0, 0)`` (setext ``=`` is 1, ``-`` is 2).
- implicit heading under a Markdown heading of level n: ``(n + 1, rank, depth)``, where rank is
  the order in which its style (bold, plain, numbered, ...) first appears under that Markdown
  heading, and depth is the numbering depth ("1." → 1, "1.1" → 2). So a Markdown heading of the
  next level closes implicit ones, and "1.1" nests under "1.".
- an implicit heading directly followed by a heading of the same level (no body between) becomes
  its parent: its depth drops by one half ("Universal Usage Standards" above "Do Not ...").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from clauselens.pipeline.segment._blocks import Block, Kind

Level = tuple[float, float, float]

MAX_HEADING_WORDS = 16
MAX_PLAIN_WORDS = 14
MAX_HEADING_CHARS = 120

_BOLD = re.compile(r"(\*\*|__)(?P<inner>(?:(?!\1).)+)\1")
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|(?<!\w)[*_]|[*_](?!\w))")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_NUMBERINGS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "section",
        re.compile(
            r"(?i:section|article|chapter|part)\s+(?P<n>\d+(?:\.\d+)*|[IVXLC]+)\b[.:]?(?:\s+|$)"
        ),
    ),
    ("num", re.compile(r"(?P<n>\d{1,3}(?:\.\d{1,3})+)\.?(?:\s+|$)|(?P<one>\d{1,3})[.)](?:\s+|$)")),
    ("paren", re.compile(r"\((?:[a-z]{1,2}|[ivxlc]{1,5}|\d{1,3})\)\s+")),
    ("letter", re.compile(r"[A-Z][.)]\s+")),
)
_NUMBERED = frozenset(name for name, _ in _NUMBERINGS)
_BODY = frozenset({Kind.PARAGRAPH, Kind.LIST_ITEM, Kind.TABLE, Kind.CODE})


@dataclass(frozen=True, slots=True)
class Style:
    family: str
    depth: int
    title: str


def clean_title(raw: str) -> str:
    """Heading text without Markdown links, emphasis and escapes, whitespace collapsed."""
    text = _LINK.sub(r"\1", raw)
    text = _EMPHASIS.sub("", text)
    text = _ESCAPE.sub(r"\1", text)
    return " ".join(text.split())


def _numbering(inner: str) -> tuple[str, int, str]:
    """(family, depth, rest) of a line's numbering prefix; family "" when it has none."""
    for family, pattern in _NUMBERINGS:
        match = pattern.match(inner)
        if match:
            number = match.groupdict().get("n") or ""
            return family, number.count(".") + 1, inner[match.end() :].strip()
    return "", 1, inner


def _looks_short(rest: str, limit: int) -> bool:
    words = rest.split()
    return 0 < len(words) <= limit and len(rest) <= MAX_HEADING_CHARS and rest[-1] not in ".;,:!"


def implicit_style(block: Block) -> Style | None:
    """The heading style of a single-line block that looks like a heading, else None."""
    line = block.first_line
    if block.line_count != 1 or block.kind not in (Kind.PARAGRAPH, Kind.LIST_ITEM):
        return None
    if len(line) > 2 * MAX_HEADING_CHARS or "](" in line or line[0] in "[!<|>":
        return None
    if block.kind is Kind.LIST_ITEM and not line[0].isdigit():
        return None
    bold = _BOLD.fullmatch(line)
    inner = _ESCAPE.sub(r"\1", bold.group("inner") if bold else line).strip()
    family, depth, rest = _numbering(inner)
    rest = clean_title(rest)
    if not family and block.kind is Kind.LIST_ITEM:
        return None
    if family or bold:
        ok = _looks_short(rest, MAX_HEADING_WORDS) or (not rest and family == "section")
        return Style(family or "bold", depth, clean_title(inner)) if ok else None
    plain_ok = (
        line[0] not in "*_"
        and (rest[:1].isupper() or rest[:1].isdigit())
        and _looks_short(rest, MAX_PLAIN_WORDS)
        and ":" not in rest
        and ". " not in rest
        and not _YEAR.search(rest)
    )
    return Style("plain", 1, rest) if plain_ok else None


def _is_list_run(a: Style, b: Style) -> bool:
    return a.family in _NUMBERED and (a.family, a.depth) == (b.family, b.depth)


def _implicit_headings(blocks: list[Block]) -> list[Style | None]:
    """Backward pass: a candidate is a heading if body or a chain of implicit headings follows.

    Adjacent numbered candidates of one style ("1. Apples", "2. Pears") are a list, not headings.
    """
    candidates = [implicit_style(block) for block in blocks]
    styles: list[Style | None] = [None] * len(blocks)
    for i in range(len(blocks) - 2, -1, -1):
        style = candidates[i]
        if style is None or any(
            other is not None and _is_list_run(style, other)
            for other in (candidates[i - 1] if i else None, candidates[i + 1])
        ):
            continue
        nxt, chained = blocks[i + 1], styles[i + 1]
        if (nxt.kind in _BODY and chained is None) or chained is not None:
            styles[i] = style
    return styles


def _assign_levels(blocks: list[Block], styles: list[Style | None]) -> None:
    major = 0
    ranks: dict[str, int] = {}
    for block, style in zip(blocks, styles, strict=True):
        block.level = None
        if block.kind is Kind.HEADING:
            major, ranks = block.md_level, {}
            block.level = (float(block.md_level), 0.0, 0.0)
        elif style is not None:
            rank = ranks.setdefault(style.family, len(ranks) + 1)
            block.level = (float(major + 1), float(rank), float(style.depth))
            block.title = style.title


def _closed_at_once(blocks: list[Block], styles: list[Style | None]) -> list[int]:
    """Implicit headings with no body whose next heading is above them (they head nothing)."""
    return [
        i
        for i in range(len(blocks) - 1)
        if styles[i] is not None
        and (here := blocks[i].level) is not None
        and (nxt := blocks[i + 1].level) is not None
        and nxt < here
    ]


def classify(blocks: list[Block]) -> None:
    """Set ``level`` and ``title`` on every heading block (Markdown and implicit), in place.

    An implicit heading directly followed by a heading above it would head nothing: it stays
    body text of the section it is in.
    """
    for block in blocks:
        if block.kind is Kind.HEADING:
            block.title = clean_title(block.title)
    styles = _implicit_headings(blocks)
    _assign_levels(blocks, styles)
    dropped = _closed_at_once(blocks, styles)
    if dropped:
        for i in dropped:
            styles[i] = None
        _assign_levels(blocks, styles)
    _promote_parents(blocks)


def _promote_parents(blocks: list[Block]) -> None:
    originals = [b.level for b in blocks]
    for i in range(len(blocks) - 1):
        here, nxt = originals[i], originals[i + 1]
        if here is not None and blocks[i].kind is not Kind.HEADING and here == nxt:
            blocks[i].level = (here[0], here[1], here[2] - 0.5)
