"""A Markdown table in a clause, described in a sentence for the offline summary.

Privacy policies put their legal bases in tables ("Purpose | Type of Data | Legal Basis"),
withdrawal instructions list phone numbers by country. Read as sentences, a table is a run of
pipes and ``<br>`` tags; described, it is "a table of 12 rows under the columns Purpose; Type of
Data; Legal Basis; its first row reads: ...".

The header is the row above the separator (``| --- | --- |``), or, when that row is empty, a
first row whose every cell is bold (how some sites render their header). A long table cut into
parts leaves the later parts without one: they are "a table of N rows", no columns named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from clauselens.analyzers.offline.normalise import markdown_plain

_ROW = re.compile(r"^\s*\|.*\|\s*$")
_SEPARATOR_CELL = re.compile(r"^:?-{3,}:?$")
_BOLD_CELL = re.compile(r"^(\*\*|__).+(\*\*|__)$")
FIRST_ROW_CHARS = 200


@dataclass(frozen=True)
class Table:
    """The words of a clause's Markdown table(s): the header's cells, if any, and the rows."""

    header: list[str]
    rows: list[list[str]]


def plain_cell(cell: str) -> str:
    """A cell's words: ``<br>`` breaks as spaces, Markdown emphasis and links stripped."""
    return markdown_plain(cell).strip(" -")


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip()[1:-1].split("|")]


def read_table(text: str) -> Table | None:
    """The table rows of ``text`` (None when it has none), header apart."""
    lines = [line for line in text.splitlines() if _ROW.match(line)]
    if not lines:
        return None
    header: list[str] = []
    rows: list[list[str]] = []
    pending: list[str] | None = None  # the last row read, a header if a separator follows
    for line in lines:
        cells = _cells(line)
        if all(_SEPARATOR_CELL.match(c) for c in cells if c) and any(cells):
            if pending is not None and any(pending) and not header and not rows:
                header = [plain_cell(c) for c in pending]
                pending = None
            continue
        if pending is not None and any(pending):
            rows.append([plain_cell(c) for c in pending])
        pending = cells
    if pending is not None and any(pending):
        rows.append([plain_cell(c) for c in pending])
    if not header and rows and all(_BOLD_CELL.match(c) for c in _first_raw(lines) if c):
        header, rows = rows[0], rows[1:]
    return Table(header=[c for c in header if c], rows=rows)


def _first_raw(lines: list[str]) -> list[str]:
    """The raw cells of the first table row with words in it (not a separator)."""
    for line in lines:
        cells = _cells(line)
        if any(c and not _SEPARATOR_CELL.match(c) for c in cells):
            return cells
    return []


def describe_table(text: str) -> str | None:
    """One sentence on the table in ``text``: its rows, its columns, its first row; None when
    the clause has no table row."""
    table = read_table(text)
    if table is None or not table.rows:
        return None
    first = " | ".join(c for c in table.rows[0] if c)
    if len(first) > FIRST_ROW_CHARS:
        cut = first.rfind(" ", 0, FIRST_ROW_CHARS)
        first = first[: cut if cut > 0 else FIRST_ROW_CHARS] + "..."
    columns = f" under the columns {'; '.join(table.header)}" if table.header else ""
    if len(table.rows) == 1:  # often a part of a long table, cut off from its header
        return f"a table row{columns} reads: {first}"
    return f"a table of {len(table.rows)} rows{columns}; its first row reads: {first}"


def in_table(text: str, sentence: str) -> bool:
    """Whether ``sentence`` (a verbatim piece of ``text``) starts on a table row: a row, or a
    sentence inside one of its cells."""
    at = text.find(sentence)
    if at < 0:
        return False
    line_start = text.rfind("\n", 0, at) + 1
    line_end = text.find("\n", at)
    return bool(_ROW.match(text[line_start : line_end if line_end >= 0 else len(text)]))
