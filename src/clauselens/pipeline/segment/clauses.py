"""Segment: a version's extracted text (Markdown) → clauses, deterministically and losslessly.

This module owns the clause boundaries. The steps:

1. ``_blocks.scan`` cuts the text into blocks with exact spans (paragraphs, list items, tables,
   code, thematic breaks, Markdown headings).
2. ``_headings.classify`` marks implicit headings (bold, numbered, short plain lines) and gives
   every heading a level, so that ``heading_path`` nests.
3. Sections form a tree: a heading owns the blocks up to the next heading, and the sections
   below it up to the next heading of the same or a higher level.
4. A section becomes one clause when it fits ``max_words`` and holds no Markdown heading below its
   own; otherwise its own blocks are split (``_split``) and each child section is emitted in turn.
   Every Markdown (ATX or setext) heading therefore begins a clause, even one with no body.
5. An implicit heading with no body of its own joins the clause after it. Text before the first
   heading that is under ``min_words`` as a whole joins the first clause of the section after it
   when that section's heading is implicit (not Markdown); that section is then split within
   ``max_words`` less the preamble's words. Both decisions depend only on the preamble and on
   headings, never on the size of a neighbour, so an edit elsewhere cannot move the preamble in
   or out of a clause (see ``_preamble_words``).

When a section's own blocks are split, every part keeps the heading path, and its last element
gets " (part k)" (k from 1); an unsplit section keeps its path unchanged, and text before the
first heading keeps the empty path. ``outline`` strips the
part suffix. Spans cover every non-whitespace character exactly once, in order, and each clause
starts and ends on non-whitespace. Bump ``SEGMENTER_VERSION`` whenever the output can change.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from clauselens.config import SegmentSettings
from clauselens.pipeline.segment._blocks import Block, Kind, scan
from clauselens.pipeline.segment._headings import classify
from clauselens.pipeline.segment._split import split_section, words
from clauselens.schemas import Clause
from clauselens.textnorm import clause_sha256

__all__ = ["SEGMENTER_VERSION", "outline", "segment"]

SEGMENTER_VERSION = "segment-4"

_PART_SUFFIX = re.compile(r" \(part \d+\)$")


@dataclass(slots=True)
class _Section:
    heading: Block | None
    path: list[str]
    blocks: list[Block] = field(default_factory=list)
    children: list[_Section] = field(default_factory=list)
    total_words: int = 0
    md_below: bool = False
    end: int = 0


@dataclass(slots=True)
class _Chunk:
    start: int
    end: int
    words: int
    path: list[str]
    #: "md" starts with a Markdown heading, "implicit" with an implicit heading and has no body,
    #: "headed" starts with its own heading, "" has no heading of its own.
    opening: str


def _tree(blocks: list[Block]) -> list[_Section]:
    roots: list[_Section] = []
    stack: list[_Section] = []
    current: _Section | None = None
    for block in blocks:
        level = block.level
        if level is None:
            if current is None:
                current = _Section(None, [])
                roots.append(current)
            current.blocks.append(block)
            continue
        while stack and stack[-1].heading and (stack[-1].heading.level or level) >= level:
            stack.pop()
        above = stack[-1].path if stack else []
        path = [*above, block.title] if block.in_path and block.title else list(above)
        current = _Section(block, path, [block])
        (stack[-1].children if stack else roots).append(current)
        stack.append(current)
    for root in roots:
        _measure(root)
    return roots


def _measure(section: _Section) -> None:
    """Fill subtree word totals, ends, and whether a Markdown heading lies below (post-order)."""
    todo: list[tuple[_Section, bool]] = [(section, False)]
    while todo:
        node, done = todo.pop()
        if not done:
            todo.append((node, True))
            todo.extend((child, False) for child in node.children)
            continue
        node.total_words = words(node.blocks) + sum(c.total_words for c in node.children)
        node.md_below = any(
            c.md_below or (c.heading is not None and c.heading.kind is Kind.HEADING)
            for c in node.children
        )
        node.end = node.children[-1].end if node.children else node.blocks[-1].end


def _opening(section: _Section, heading_only: bool, first: bool) -> str:
    heading = section.heading
    if heading is None or not first:
        return ""
    if heading.kind is Kind.HEADING:
        return "md"
    return "implicit" if heading_only else "headed"


def _part_path(path: list[str], k: int) -> list[str]:
    return [*path[:-1], f"{path[-1]} (part {k})"] if path else []


def _emit(text: str, root: _Section, settings: SegmentSettings) -> Iterator[_Chunk]:
    todo = [root]
    while todo:
        section = todo.pop()
        fits = section.total_words <= settings.max_words and not section.md_below
        if section.heading is not None and fits:
            start = section.blocks[0].start
            alone = len(section.blocks) == 1 and not section.children
            opening = _opening(section, alone, True)
            yield _Chunk(start, section.end, section.total_words, section.path, opening)
            continue
        parts = split_section(text, section.blocks, settings)
        for k, part in enumerate(parts, start=1):
            path = section.path if len(parts) == 1 else _part_path(section.path, k)
            opening = _opening(section, len(part) == 1, k == 1)
            yield _Chunk(part[0].start, part[-1].end, words(part), path, opening)
        todo.extend(reversed(section.children))


def _preamble_words(roots: list[_Section], settings: SegmentSettings) -> int:
    """Words of a headless preamble that joins the first clause after it, else 0.

    The decision looks at the whole preamble (its total under ``min_words``) and at the kind of
    the next heading, not at clause sizes: a preamble that moved with the size of its neighbour
    would change a clause in another section whenever that section grew past the bound.
    """
    if len(roots) < 2 or roots[0].heading is not None:
        return 0
    lead = roots[0].total_words
    heading = roots[1].heading
    short = lead < settings.min_words and lead < settings.max_words
    return lead if short and heading is not None and heading.kind is not Kind.HEADING else 0


def _chunks(text: str, roots: list[_Section], settings: SegmentSettings) -> list[_Chunk]:
    """The chunks of every root section; a joining preamble is merged into the next chunk.

    The section a preamble joins is split within ``max_words`` less the preamble's words, so
    the joined clause keeps the bound.
    """
    lead = _preamble_words(roots, settings)
    chunks: list[_Chunk] = []
    for index, root in enumerate(roots):
        bound = settings
        if lead and index == 1:
            bound = settings.model_copy(update={"max_words": settings.max_words - lead})
        chunks.extend(_emit(text, root, bound))
    chunks = _join_bodyless(chunks)
    if lead:
        preamble, first = chunks[0], chunks[1]
        first.start, first.words = preamble.start, first.words + preamble.words
        del chunks[0]
    return chunks


def _join_bodyless(chunks: list[_Chunk]) -> list[_Chunk]:
    """Body-less implicit headings join the chunk after them (unless it starts a Markdown one)."""
    out: list[_Chunk] = []
    for chunk in reversed(chunks):
        nxt = out[-1] if out else None
        if nxt is not None and nxt.opening != "md" and chunk.opening == "implicit":
            nxt.start, nxt.words = chunk.start, nxt.words + chunk.words
            nxt.opening = chunk.opening
            continue
        out.append(chunk)
    out.reverse()
    return out


def _clause(text: str, index: int, chunk: _Chunk, settings: SegmentSettings) -> Clause:
    body = text[chunk.start : chunk.end]
    budget = settings.prompt_max_chars
    over = len(body) > budget
    reason = (
        f"clause is {len(body):,} characters, over the model input budget of {budget:,}"
        if over
        else None
    )
    return Clause(
        index=index,
        heading_path=list(chunk.path),
        text=body,
        start=chunk.start,
        end=chunk.end,
        clause_sha256=clause_sha256(body),
        truncated=over,
        truncation_reason=reason,
    )


def segment(text: str, settings: SegmentSettings = SegmentSettings()) -> list[Clause]:  # noqa: B008
    """Split a version's extracted text into clauses (empty or blank text gives none)."""
    blocks = scan(text)
    classify(blocks)
    chunks = _chunks(text, _tree(blocks), settings)
    return [_clause(text, i, chunk, settings) for i, chunk in enumerate(chunks)]


def outline(clauses: Iterable[Clause]) -> list[str]:
    """The distinct heading paths, joined with " > ", in document order (part suffixes removed)."""
    seen: dict[str, None] = {}
    for clause in clauses:
        path = [*clause.heading_path[:-1], *map(_strip_part, clause.heading_path[-1:])]
        joined = " > ".join(p for p in path if p)
        if joined:
            seen.setdefault(joined, None)
    return list(seen)


def _strip_part(title: str) -> str:
    return _PART_SUFFIX.sub("", title)


_HEADING_ONLY_LINE = re.compile(
    r"""^\s*(
        \#{1,6}(\s.*)?            # ATX heading (or an empty one)
      | [=\-]{2,}                 # setext underline
      | (\*\*|__)[^*_]+(\*\*|__):? # a bold line
      | \[[^\]]*\]\([^)]*\)       # a bare link or anchor
      | \[\]\(\#[^)]*\).*         # an anchor followed by a (bold) title
    )\s*$""",
    re.VERBOSE,
)


_UNDERLINE = re.compile(r"^\s*[=\-]{2,}\s*$")
_SETEXT_TITLE_WORDS = 20


def heading_only(text: str) -> bool:
    """Whether a clause is nothing but heading lines (a heading whose section starts with a
    sub-heading): it names a section and provides nothing to analyse."""
    lines = [line for line in text.splitlines() if line.strip()]
    for i, line in enumerate(lines):
        underlined = i + 1 < len(lines) and _UNDERLINE.match(lines[i + 1])
        if _HEADING_ONLY_LINE.match(line):
            continue
        if underlined and len(line.split()) <= _SETEXT_TITLE_WORDS:
            continue
        return False
    return bool(lines)
