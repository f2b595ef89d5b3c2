"""Block scanning for segmentation: Markdown text → a flat list of blocks with exact spans.

A block is the smallest unit the segmenter moves: a paragraph, one list item (with its
continuation lines), a table (pipe or HTML ``<table>``), a fenced code block, a thematic break,
or a Markdown heading (ATX, or setext with its underline). Every non-whitespace character of the
text lies in exactly one block, and a block's span starts and ends on non-whitespace.

The scan is one pass over the lines (linear in the text; a 50 MB single line is one block).
Heading and paragraph boundaries follow CommonMark where it matters for headings: a setext
underline ends the paragraph above it, ``- - -`` and ``***`` are thematic breaks, an ordered item
interrupts a paragraph only when it is numbered 1.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from itertools import accumulate


class Kind(StrEnum):
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    LIST_ITEM = "list_item"
    TABLE = "table"
    CODE = "code"
    BREAK = "break"


#: Glue of a block to the block before it: the segmenter cuts at weaker glue first.
NO_GLUE, LIST_GLUE, LEAD_IN_GLUE = 0, 1, 2


@dataclass(slots=True)
class Block:
    kind: Kind
    start: int
    end: int
    first_line: str
    line_count: int
    words: int = 0
    glue: int = NO_GLUE
    #: For Markdown headings: the ATX level, or 1/2 for a setext ``=``/``-`` underline.
    md_level: int = 0
    title: str = ""
    last_char: str = ""
    #: Set for every heading (Markdown or implicit) by ``_headings.classify``; lower is higher.
    level: tuple[float, float, float] | None = None
    #: False for a heading that adds no element to the heading path (no title, or noise).
    in_path: bool = True
    #: Columns of leading whitespace on the block's first line (nesting in a list).
    indent: int = 0


# The opening of an ATX heading; ``atx`` reads the rest (a regex for the closing sequence would
# try every space of a long line, quadratic in a megabyte-long heading line).
_ATX_OPEN = re.compile(r"[ \t]*(#{1,6})(?=[ \t]|$)")
SETEXT = re.compile(r"[ \t]*(=+|-+)[ \t]*$")
BREAK = re.compile(r" {0,3}(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
BULLET = re.compile(r"([ \t]*)[-*+](?:[ \t]+|$)")
ORDERED = re.compile(r"([ \t]*)(\d{1,9})[.)](?:[ \t]+|$)")
FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
TABLE_DELIM = re.compile(r"[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
HTML_TABLE = re.compile(r"<(/?)table\b", re.IGNORECASE)


def atx(line: str) -> tuple[int, str] | None:
    """(level, title) of an ATX heading line, else None: one to six ``#``, then a space or the
    end; the title without its leading and trailing spaces and closing ``#`` sequence."""
    opening = _ATX_OPEN.match(line)
    if opening is None:
        return None
    title = line[opening.end() :].strip(" \t")
    hashes = title.rstrip("#")
    if hashes != title and hashes != hashes.rstrip(" \t"):  # a closing sequence after a space
        title = hashes.rstrip(" \t")
    return len(opening.group(1)), title


class _Lines:
    """The text's lines with their offsets, and span helpers."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.split("\n")
        self.offsets = [0, *accumulate(len(line) + 1 for line in self.lines)]

    def blank(self, i: int) -> bool:
        return i >= len(self.lines) or not self.lines[i].strip()

    def span(self, first: int, last: int) -> tuple[int, int]:
        """Span of lines first..last (inclusive), trimmed to non-whitespace."""
        head = self.lines[first]
        tail = self.lines[last]
        start = self.offsets[first] + len(head) - len(head.lstrip())
        end = self.offsets[last] + len(tail.rstrip())
        return start, end


def _is_item(line: str) -> bool:
    return bool(BULLET.match(line) or ORDERED.match(line)) and not BREAK.match(line)


def _is_table_start(lines: _Lines, i: int) -> bool:
    line = lines.lines[i]
    if line.lstrip().startswith("|"):
        return True
    nxt = i + 1
    return (
        "|" in line
        and nxt < len(lines.lines)
        and "|" in lines.lines[nxt]
        and bool(TABLE_DELIM.match(lines.lines[nxt]))
    )


def _interrupts_paragraph(lines: _Lines, i: int) -> bool:
    line = lines.lines[i]
    if atx(line) or BREAK.match(line) or FENCE.match(line):
        return True
    if BULLET.match(line):
        return bool(line.strip()[1:].strip())
    ordered = ORDERED.match(line)
    if ordered:
        return ordered.group(2) == "1" and bool(line[ordered.end() :].strip())
    return bool(HTML_TABLE.match(line.lstrip())) or _is_table_start(lines, i)


def _scan_fence(lines: _Lines, i: int) -> int:
    fence = FENCE.match(lines.lines[i])
    assert fence is not None
    marker = fence.group(1)
    closing = re.compile(rf" {{0,3}}{re.escape(marker[0])}{{{len(marker)},}}[ \t]*$")
    j = i + 1
    while j < len(lines.lines) and not closing.match(lines.lines[j]):
        j += 1
    return min(j, len(lines.lines) - 1)


def _scan_html_table(lines: _Lines, i: int) -> int:
    depth = 0
    for j in range(i, len(lines.lines)):
        for tag in HTML_TABLE.finditer(lines.lines[j]):
            depth += -1 if tag.group(1) else 1
        if depth <= 0:
            return j
    return len(lines.lines) - 1


def _scan_table(lines: _Lines, i: int) -> int:
    j = i
    while j + 1 < len(lines.lines) and "|" in lines.lines[j + 1] and not lines.blank(j + 1):
        j += 1
    return j


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _underline(line: str) -> int:
    """1 or 2 for a setext underline (``===``, ``---``), else 0."""
    match = SETEXT.match(line)
    return 0 if match is None else (1 if match.group(1)[0] == "=" else 2)


def _scan_item(lines: _Lines, i: int) -> tuple[int, int]:
    """(last line, setext level) of the list item starting at line i, up to a blank line.

    Paragraphs after a blank line are blocks of their own (glued to the list), so headings
    nested in list items are found like any other; an underline indented to the item's content
    makes the item a setext heading, as in CommonMark.
    """
    marker = BULLET.match(lines.lines[i]) or ORDERED.match(lines.lines[i])
    assert marker is not None
    content = marker.end()
    j = i + 1
    while j < len(lines.lines) and not lines.blank(j):
        line = lines.lines[j]
        level = _underline(line)
        if level and _indent(line) >= content:
            return j, level
        if _is_item(line) or _interrupts_paragraph(lines, j):
            break
        j += 1
    return j - 1, 0


def _scan_paragraph(lines: _Lines, i: int) -> tuple[int, int]:
    """(last line, setext level) of the paragraph starting at line i."""
    j = i + 1
    while j < len(lines.lines) and not lines.blank(j):
        level = _underline(lines.lines[j])
        if level:
            return j, level
        if _interrupts_paragraph(lines, j):
            break
        j += 1
    return j - 1, 0


_Scanner = Callable[[_Lines, int], int]
_SIMPLE_SCANNERS: tuple[tuple[Callable[[_Lines, int], bool], Kind, _Scanner], ...] = (
    (lambda ls, i: bool(FENCE.match(ls.lines[i])), Kind.CODE, _scan_fence),
    (lambda ls, i: bool(HTML_TABLE.match(ls.lines[i].lstrip())), Kind.TABLE, _scan_html_table),
    (lambda ls, i: bool(BREAK.match(ls.lines[i])), Kind.BREAK, lambda ls, i: i),
    (_is_table_start, Kind.TABLE, _scan_table),
)


def _block(lines: _Lines, kind: Kind, first: int, last: int) -> Block:
    start, end = lines.span(first, last)
    line = lines.lines[first]
    return Block(kind, start, end, line.strip(), last - first + 1, indent=_indent(line))


def _heading(lines: _Lines, first: int, last: int, level: int, title: str) -> Block:
    block = _block(lines, Kind.HEADING, first, last)
    block.md_level, block.title = level, title
    return block


def _atx_in(line: str) -> tuple[int, str] | None:
    """An ATX heading on the line, bare or as the content of a list item."""
    marker = BULLET.match(line) or ORDERED.match(line)
    return atx(line[marker.end() :] if marker else line)


def _next_block(lines: _Lines, i: int) -> tuple[Block, int]:
    """The block starting at (non-blank) line i, and the line after it."""
    heading = _atx_in(lines.lines[i])
    if heading:
        return _heading(lines, i, i, *heading), i + 1
    for test, kind, scan_to in _SIMPLE_SCANNERS:
        if test(lines, i):
            last = scan_to(lines, i)
            return _block(lines, kind, i, last), last + 1
    item = _is_item(lines.lines[i])
    last, level = _scan_item(lines, i) if item else _scan_paragraph(lines, i)
    if not level:
        return _block(lines, Kind.LIST_ITEM if item else Kind.PARAGRAPH, i, last), last + 1
    title = " ".join(line.strip() for line in lines.lines[i:last])
    marker = BULLET.match(title) or ORDERED.match(title) if item else None
    return _heading(lines, i, last, level, title[marker.end() :] if marker else title), last + 1


def _glue(prev: Block | None, block: Block, indented: bool) -> int:
    """How ``block`` holds to the block before it (see ``LIST_GLUE``, ``LEAD_IN_GLUE``)."""
    if prev is None or block.kind in (Kind.HEADING, Kind.BREAK):
        return NO_GLUE
    if block.kind in (Kind.LIST_ITEM, Kind.TABLE) and prev.last_char == ":":
        return LEAD_IN_GLUE if prev.kind is Kind.PARAGRAPH else LIST_GLUE
    in_list = prev.kind is Kind.LIST_ITEM or (prev.glue and prev.kind is not Kind.TABLE)
    if block.kind is Kind.LIST_ITEM and prev.kind is Kind.LIST_ITEM:
        return LIST_GLUE
    return LIST_GLUE if in_list and (indented or block.kind is Kind.LIST_ITEM) else NO_GLUE


def scan(text: str) -> list[Block]:
    """Split ``text`` into blocks, in order, with word counts and list glue."""
    lines = _Lines(text)
    blocks: list[Block] = []
    i = 0
    while i < len(lines.lines):
        if lines.blank(i):
            i += 1
            continue
        indented = _indent(lines.lines[i]) >= 2
        block, i = _next_block(lines, i)
        block.words = len(text[block.start : block.end].split())
        block.last_char = text[block.end - 1]
        block.glue = _glue(blocks[-1] if blocks else None, block, indented)
        blocks.append(block)
    return blocks
