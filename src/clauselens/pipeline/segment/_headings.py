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
- a numbered heading nested in a list ("    2.  **Permissions you give to us**" under
  "4.  **Content**") is deeper by a fraction of its indentation, less than one numbering depth.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from clauselens.pipeline.segment._blocks import Block, Kind
from clauselens.pipeline.segment._noise import ends_as_list_clause, is_noise

Level = tuple[float, float, float]

MAX_HEADING_WORDS = 16
MAX_PLAIN_WORDS = 14
MAX_HEADING_CHARS = 120
#: Indentation (columns) past which a numbered heading nests no deeper: a nested item adds less
#: than one numbering depth, so "2." nested in "4." sits under it but above "4.1".
MAX_NESTING = 16

_BOLD = re.compile(r"(\*\*|__)(?P<inner>(?:(?!\1).)+)\1")
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|(?<!\w)[*_]|[*_](?!\w))")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
# a line ending in a phone or account number ("Slovakia 0800-500-932"): a table's row
_NUMBER_END = re.compile(r"\d[\d\s().-]{4,}\d$")
#: Zero-width and other invisible format characters (Unicode category Cf) that pages carry.
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u2060-\u2064\ufeff]")
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
    depth: float
    title: str


def clean_title(raw: str) -> str:
    """Heading text without Markdown links, emphasis and escapes, whitespace collapsed."""
    text = _LINK.sub(r"\1", raw)
    text = _EMPHASIS.sub("", text)
    text = _ESCAPE.sub(r"\1", text)
    return " ".join(_INVISIBLE.sub("", text).split())


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
    if is_noise(rest) or ends_as_list_clause(rest):
        return None
    if family or bold:
        ok = _looks_short(rest, MAX_HEADING_WORDS) or (not rest and family == "section")
        nested = min(block.indent, MAX_NESTING) / (MAX_NESTING + 1)  # list nesting: deeper
        return Style(family or "bold", depth + nested, clean_title(inner)) if ok else None
    plain_ok = (
        line[0] not in "*_"
        and (rest[:1].isupper() or rest[:1].isdigit())
        and _looks_short(rest, MAX_PLAIN_WORDS)
        and ":" not in rest
        and ". " not in rest
        and not _YEAR.search(rest)
        and not _NUMBER_END.search(rest)
    )
    return Style("plain", 1, rest) if plain_ok else None


def _is_list_run(a: Style, b: Style) -> bool:
    return a.family in _NUMBERED and (a.family, a.depth) == (b.family, b.depth)


def _in_list(blocks: list[Block], i: int) -> bool:
    """A list item with another list item right before or after it (no body between): an
    item of a list ("3. Modify X only to format it; and" between items 2 and 4)."""
    if blocks[i].kind is not Kind.LIST_ITEM:
        return False
    after = blocks[i + 1] if i + 1 < len(blocks) else None
    before = i > 0 and blocks[i - 1].kind is Kind.LIST_ITEM and bool(blocks[i].glue)
    return before or (after is not None and after.kind is Kind.LIST_ITEM and bool(after.glue))


_TITLED_ITEM = re.compile(r"\d{1,3}[.)]\s+(\*\*|__)(?:(?!\1).)+\1")


def _titles_items(blocks: list[Block], i: int) -> bool:
    """A numbered item that is only a bold title, with the list nested under it more deeply
    indented ("1.  **Understanding the Threads Service**" over "    1.  The Threads Service
    allows you ..."): the title of a section written as a list, not an item of it."""
    nxt = blocks[i + 1] if i + 1 < len(blocks) else None
    return (
        blocks[i].kind is Kind.LIST_ITEM
        and bool(_TITLED_ITEM.fullmatch(blocks[i].first_line))
        and nxt is not None
        and nxt.indent > blocks[i].indent
    )


def _implicit_headings(blocks: list[Block], borrowed: set[int]) -> list[Style | None]:
    """Backward pass: a candidate is a heading if body or a chain of implicit headings follows.

    Adjacent numbered candidates of one style ("1. Apples", "2. Pears") are a list, not headings;
    a line whose text titles the empty Markdown heading above it (``borrowed``) is not one either.
    """
    candidates = [None if i in borrowed else implicit_style(b) for i, b in enumerate(blocks)]
    styles: list[Style | None] = [None] * len(blocks)
    for i in range(len(blocks) - 2, -1, -1):
        style = candidates[i]
        if (
            style is None
            or (_in_list(blocks, i) and not _titles_items(blocks, i))
            or any(
                other is not None and _is_list_run(style, other)
                for other in (candidates[i - 1] if i else None, candidates[i + 1])
            )
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
    borrowed = _markdown_titles(blocks)
    styles = _implicit_headings(blocks, borrowed)
    _assign_levels(blocks, styles)
    dropped = _closed_at_once(blocks, styles)
    if dropped:
        for i in dropped:
            styles[i] = None
        _assign_levels(blocks, styles)
    _promote_parents(blocks)


def _markdown_titles(blocks: list[Block]) -> set[int]:
    """Clean the titles of Markdown headings; an empty one ("### " above its title line) takes
    the short line after it (past invisible anchors). Returns the indices of the lines taken.

    A heading still without a title, or titled like page furniture ("Last Updated: ..."), adds
    no element to the heading path, so no path holds an empty element.
    """
    borrowed: set[int] = set()
    for i, block in enumerate(blocks):
        if block.kind is not Kind.HEADING:
            continue
        block.title = clean_title(block.title)
        if not block.title:
            taken = _title_line(blocks, i + 1)
            if taken is not None:
                block.title = clean_title(blocks[taken].first_line)
                borrowed.add(taken)
        block.in_path = bool(block.title) and not is_noise(block.title)
    return borrowed


def _title_line(blocks: list[Block], start: int) -> int | None:
    """Index of the short single line that titles an empty heading: the first block from
    ``start`` whose text is not empty once cleaned (anchors are skipped), if it reads as a title."""
    for j in range(start, min(start + 3, len(blocks))):
        block = blocks[j]
        if block.kind is not Kind.PARAGRAPH or block.line_count != 1:
            return None
        title = clean_title(block.first_line)
        if not title:
            continue
        short = len(title.split()) <= MAX_HEADING_WORDS and len(title) <= MAX_HEADING_CHARS
        return j if short and not ends_as_list_clause(title) and title[-1] not in ".:" else None
    return None


def _promote_parents(blocks: list[Block]) -> None:
    originals = [b.level for b in blocks]
    for i in range(len(blocks) - 1):
        here, nxt = originals[i], originals[i + 1]
        if here is not None and blocks[i].kind is not Kind.HEADING and here == nxt:
            blocks[i].level = (here[0], here[1], here[2] - 0.5)
