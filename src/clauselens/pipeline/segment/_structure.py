"""Structure inside one section, for cutting it when it is over the word bound.

- ``expand``: an oversized block is opened where its own text has structure. A paragraph (one
  line of 50,000 characters is common in extracted pages) is cut before inline bold numbered
  headings (``**III. Restrictions on Use.**``, ``**2.1**``), before numbered sections glued to the
  sentence before them (``...Information.10\\. Restrictions.10.1 Compliance``) and before numbered
  definitions (``(a) "Term" means``). A pipe table is cut into rows; the header row and its
  delimiter stay with the first row. Pieces keep exact spans (starting and ending on
  non-whitespace), so segmentation stays lossless.
- ``marks``: the structural family of each unit's opening line (a bold lead-in such as
  ``**Arbitration costs.**``, a bold numbered heading by numbering kind, a numbered subsection by
  depth such as ``1.1``), or "" for none. The splitter cuts before every unit of the section's
  first family, then, in a part still over the bound, before every unit of the next.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import pairwise

from clauselens.pipeline.segment._blocks import LEAD_IN_GLUE, LIST_GLUE, TABLE_DELIM, Block, Kind

_NUMBER = r"(?:[IVXLC]{1,6}|[A-Z]|[a-z]|\d{1,3}(?:\\?\.\d{1,3})*)"
#: Inline split points in an oversized paragraph (zero-width: the cut is before the match).
_BOLD_NUMBERED = rf"(?<!\S)(?=(?:\*\*|__)_?{_NUMBER}\\?[.)]?(?:\s|\*\*|__))"
_GLUED_NUMBER = r"(?<=[a-z)\]”\"’*][.:;!?])(?=\s*\d{1,2}(?:\\?\.\d{1,2})*\\?\.?\s?[A-Z“\"])"
_DEFINITION = (
    r"(?<=[.;:])(?=\s+(?:\(\w{1,3}\)|\d{1,3}\\?\.)\s*[“\"]\**[A-Z][^”\"]{0,60}[”\"]\**"
    r"\s+(?:means|refers))"
)
#: Inline split points in an oversized paragraph (zero-width: the cut is before the match):
#: ``**III. Title.**`` or ``**2.1**``; ``...Information.10.1 Title``; ``; (a) "Term" means``.
_INLINE = re.compile(f"{_BOLD_NUMBERED}|{_GLUED_NUMBER}|{_DEFINITION}")
_INVISIBLE = re.compile("^[\u00ad\u200b-\u200f\u2060-\u2064\ufeff\\s]+")
_BOLD_LEAD = re.compile(r"(\*\*|__)_?\\?(?P<inner>[^*_\n]{1,100}?)_?\1")
_PAREN = re.compile(r"\((?:[a-z]{1,2}\d{0,2}|[ivxlc]{1,5}|\d{1,3})\)\s")
_NUMBERED = re.compile(r"(?P<n>\d{1,3}(?:\\?\.\d{1,3})*)\\?\.?(?:\s|$)")
_LABEL = re.compile(r"(?P<n>[IVXLC]{1,6}|[A-Z]|[a-z]|\d{1,3}(?:\\?\.\d{1,3})*)\\?[.)]?(?:\s|$)")
_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
MAX_LEAD_WORDS = 12


def _piece(text: str, start: int, end: int, like: Block | None) -> Block | None:
    """A block over text[start:end] trimmed to non-whitespace (None when blank)."""
    chunk = text[start:end]
    lead = len(chunk) - len(chunk.lstrip())
    start, end = start + lead, start + len(chunk.rstrip())
    if start >= end:
        return None
    body = text[start:end]
    first = body.split("\n", 1)[0].strip()
    kind = like.kind if like is not None else Kind.PARAGRAPH
    block = Block(kind, start, end, first, body.count("\n") + 1, len(body.split()))
    block.last_char = body[-1]
    if like is not None:
        block.glue, block.level, block.md_level, block.title = (
            like.glue,
            like.level,
            like.md_level,
            like.title,
        )
    return block


def _inline_pieces(text: str, block: Block) -> list[Block]:
    cuts = [m.start() for m in _INLINE.finditer(text, block.start, block.end)]
    bounds = [block.start, *(c for c in cuts if c > block.start), block.end]
    pieces: list[Block] = []
    for lo, hi in pairwise(bounds):
        piece = _piece(text, lo, hi, block if not pieces else None)
        if piece is not None:
            pieces.append(piece)
    return pieces or [block]


def _table_rows(text: str, block: Block) -> list[Block]:
    lines = text[block.start : block.end].split("\n")
    head = 2 if len(lines) > 1 and TABLE_DELIM.match(lines[1]) else 1
    offsets = [block.start]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    rows: list[Block] = []
    for first, last in [(0, head), *((i, i + 1) for i in range(head, len(lines)))]:
        row = _piece(text, offsets[first], offsets[last] - 1, block if not rows else None)
        if row is None:
            continue
        if rows:
            row.kind = Kind.TABLE
            row.glue = LEAD_IN_GLUE if len(rows) == 1 else LIST_GLUE
        rows.append(row)
    return rows


def expand(text: str, blocks: Sequence[Block], max_words: int) -> list[Block]:
    """The blocks with each one over ``max_words`` opened where its text has structure."""
    out: list[Block] = []
    for block in blocks:
        if block.words <= max_words or block.level is not None:
            out.append(block)
        elif block.kind is Kind.TABLE and text[block.start] == "|":
            out.extend(_table_rows(text, block))
        elif block.kind in (Kind.PARAGRAPH, Kind.LIST_ITEM):
            out.extend(_inline_pieces(text, block))
        else:
            out.append(block)
    return out


def _roman(label: str) -> int:
    values = [_ROMAN[c] for c in label]
    return sum(-v if v < w else v for v, w in zip(values, [*values[1:], 0], strict=True))


def _label_kind(label: str, previous: dict[str, int]) -> str:
    """ "roman", "upper", "lower" or "numN" (N the depth); I, V, X are letters after H, U, W."""
    if label[0].isdigit():
        return f"num{label.replace(chr(92), '').count('.') + 1}"
    if label.islower():
        return "lower"
    is_roman = all(c in _ROMAN for c in label)
    if len(label) == 1 and is_roman:
        letter_next = previous.get("upper", 0) + 1 == ord(label)
        roman_next = previous.get("roman", 0) + 1 == _roman(label)
        is_roman = roman_next or (label == "I" and not letter_next)
    return "roman" if is_roman and (len(label) > 1 or label in "IVX") else "upper"


def _family(line: str, previous: dict[str, int]) -> str:
    line = _INVISIBLE.sub("", line)
    bold = _BOLD_LEAD.match(line)
    if bold is not None:
        inner = bold.group("inner").strip()
        label = _LABEL.match(inner)
        if label is not None:
            kind = _label_kind(label.group("n"), previous)
            value = label.group("n")
            if kind == "roman":
                previous["roman"] = _roman(value)
            elif kind == "upper":
                previous["upper"] = ord(value)
            return f"bold-{kind}"
        return "bold" if len(inner.split()) <= MAX_LEAD_WORDS else ""
    if _PAREN.match(line):
        return "paren"
    numbered = _NUMBERED.match(line)
    if numbered is not None and "." in numbered.group("n").replace("\\.", "."):
        return f"num{numbered.group('n').replace(chr(92), '').count('.') + 1}"
    if numbered is not None and line[len(numbered.group("n")) :].startswith(("\\.", ".")):
        return "num1"
    return ""


def marks(blocks: Sequence[Block]) -> list[str]:
    """The structural family of each block's opening line ("" for none; headings have none)."""
    previous: dict[str, int] = {}
    out: list[str] = []
    for block in blocks:
        structural = block.level is None and block.kind in (Kind.PARAGRAPH, Kind.TABLE)
        out.append(_family(block.first_line, previous) if structural else "")
    return out


def families(found: Sequence[str]) -> list[str]:
    """The distinct non-empty families in order of first appearance."""
    return list(dict.fromkeys(f for f in found if f))
