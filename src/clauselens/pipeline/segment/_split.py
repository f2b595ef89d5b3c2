"""Splitting one section's own blocks into parts that fit the word bound, with local decisions.

The parts must not move when an unrelated paragraph changes, so every cut point is chosen from
the section's own structure or content, never from running totals:

1. Blocks over the bound are opened where their text has structure (``_structure.expand``:
   inline bold numbered headings, numbered sections and definitions, table rows).
2. Blocks form units: a heading with the block after it, a lead-in paragraph ending with ":"
   with the list or table after it, the items of one list, and a thematic break (``---``) with
   the unit before it (a separator always closes what precedes it).
3. Structural cuts: a section over the bound is cut before every unit that opens with its first
   structural family (``_structure.marks``: bold lead-ins, bold numbered headings, ``1.1``
   subsections); a part still over the bound is cut before every unit of the next family.
   Whether a unit opens a part depends only on its own opening line and on whether the part
   around it is over the bound.
4. Content-defined cuts, for a part with no family left: each unit has a fingerprint (CRC-32 of
   its first eight words as a number in [0, 1)); a run of units over ``max_words`` is cut before
   every unit whose fingerprint is below a threshold, 1/16 first; a run still over the bound is
   cut again with the threshold doubled (1/8, 1/4, 1/2, then 1: every unit). A single unit over
   the bound is opened at its list items or table rows and cut the same way.
5. A group with fewer than ``min_words`` words (the units from one cut to the next) joins the
   group before it at the same step, before either is cut further (the merged group is cut
   again at the next step). Both groups are bounded by cuts of that step, so an edit changes
   the decision only by changing one of them. At the last step (every unit a group) small
   groups are packed among themselves first, left to right while a pack fits the bound, and
   the group before them takes the first pack whole when the two fit: a join that took small
   groups one at a time while they fitted let a grown paragraph move the small group after the
   one that no longer fitted.

A single block over ``max_words`` with no structure inside (a long paragraph, a code block) is
never cut.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from typing import TypeVar

from clauselens.config import SegmentSettings
from clauselens.pipeline.segment._blocks import LEAD_IN_GLUE, LIST_GLUE, Block, Kind
from clauselens.pipeline.segment._structure import expand, families, marks

Part = list[Block]
T = TypeVar("T")

#: How many opening words of a unit make its fingerprint (edits after them do not move cuts).
FINGERPRINT_WORDS = 8
#: Fingerprint thresholds for cutting a run that is over the bound, tried in turn.
THRESHOLDS = (1 / 16, 1 / 8, 1 / 4, 1 / 2, 1.0)


def words(blocks: Sequence[Block]) -> int:
    return sum(b.words for b in blocks)


def _units(blocks: Sequence[Block], min_glue: int) -> list[Part]:
    """Blocks joined to the unit before when glued at least ``min_glue`` (or after a heading)."""
    units: list[Part] = []
    for block in blocks:
        after_heading = bool(units) and len(units[-1]) == 1 and units[-1][0].level is not None
        closing = block.kind is Kind.BREAK
        if units and (block.glue >= min_glue or after_heading or closing):
            units[-1].append(block)
        else:
            units.append([block])
    return units


def _fingerprint(unit: Part) -> float:
    first = unit[0]
    opening = " ".join(first.first_line.split()[:FINGERPRINT_WORDS])
    return zlib.crc32(opening.encode("utf-8")) / 2**32


def _join_small(groups: list[list[T]], size: Callable[[T], int], bounds: SegmentSettings) -> None:
    """Merge, in place, every group after the first with fewer than ``min_words`` words into
    the group before it (the merged group is cut again at the next step, where the small group
    meets a smaller predecessor). Each decision depends only on the small group's own size."""
    k = 1
    while k < len(groups):
        if sum(size(item) for item in groups[k]) < bounds.min_words:
            groups[k - 1].extend(groups.pop(k))
        else:
            k += 1


def _join_last(groups: list[list[Part]], bounds: SegmentSettings) -> list[list[Part]]:
    """The last step's groups (one unit each) with the small ones packed. The small groups after
    a group of at least ``min_words`` (its anchor) are packed among themselves, left to right
    while a pack fits the bound, without looking at the anchor; the anchor then takes the first
    pack whole when the two fit. So an anchor that grows or shrinks changes only whether it takes
    that pack, never how the small groups after it are packed."""

    def size(group: list[Part]) -> int:
        return sum(words(unit) for unit in group)

    segments: list[tuple[list[Part] | None, list[list[Part]]]] = []
    for group in groups:
        if size(group) >= bounds.min_words:
            segments.append((group, []))
        elif segments:
            segments[-1][1].append(group)
        else:
            segments.append((None, [group]))
    joined: list[list[Part]] = []
    for anchor, small in segments:
        packs: list[list[Part]] = []
        for group in small:
            if packs and size(packs[-1]) + size(group) <= bounds.max_words:
                packs[-1] = packs[-1] + group
            else:
                packs.append(list(group))
        if anchor is not None:
            takes = bool(packs) and size(anchor) + size(packs[0]) <= bounds.max_words
            joined.append(anchor + packs.pop(0) if takes else anchor)
        joined.extend(packs)
    return joined


def _cut(units: list[Part], bounds: SegmentSettings, level: int, glue: int) -> list[Part]:
    """Parts of ``units`` within the bound, cut at fingerprints below THRESHOLDS[level]."""
    if sum(words(u) for u in units) <= bounds.max_words:
        return [[block for unit in units for block in unit]]
    if len(units) == 1:
        unit = units[0]
        if glue < LEAD_IN_GLUE and len(unit) > 1:
            return _cut(_units(unit, glue + 1), bounds, 0, glue + 1)
        return [unit]
    if level >= len(THRESHOLDS):  # every unit already opens a group: nothing left to cut at
        return [[block for unit in units for block in unit]]
    runs: list[list[Part]] = [[units[0]]]
    for unit in units[1:]:
        if _fingerprint(unit) < THRESHOLDS[level]:
            runs.append([])
        runs[-1].append(unit)
    if level == len(THRESHOLDS) - 1:  # every unit opens a run: pack the small ones
        runs = _join_last(runs, bounds)
    else:
        _join_small(runs, words, bounds)
    return [part for run in runs for part in _cut(run, bounds, level + 1, glue)]


def _structural(
    units: list[tuple[Part, str]], bounds: SegmentSettings, order: list[str]
) -> list[Part]:
    """Parts of ``units`` (each with the mark of its opening block) cut before every unit of the
    first family in ``order`` that opens one of them, then within parts by the next."""
    plain = [unit for unit, _ in units]
    if sum(words(u) for u in plain) <= bounds.max_words:
        return [[block for unit in plain for block in unit]]
    present = {mark for _, mark in units[1:]}
    rest = [f for f in order if f in present]
    if not rest:
        return _cut(plain, bounds, 0, LIST_GLUE)
    family = rest[0]
    groups: list[list[tuple[Part, str]]] = [[units[0]]]
    for unit, mark in units[1:]:
        if mark == family:
            groups.append([])
        groups[-1].append((unit, mark))
    _join_small(groups, lambda item: words(item[0]), bounds)
    return [part for group in groups for part in _structural(group, bounds, rest[1:])]


def split_section(text: str, blocks: Sequence[Block], settings: SegmentSettings) -> list[Part]:
    """The parts of one section's own blocks (its heading first), each within the bounds where
    the text's structure allows. Families rank by first appearance in the section's blocks."""
    if words(blocks) <= settings.max_words:
        return [list(blocks)]
    expanded = expand(text, blocks, settings.max_words)
    found = dict(zip(map(id, expanded), marks(expanded), strict=True))
    units = _units(expanded, LIST_GLUE)
    marked = [(unit, found[id(unit[0])]) for unit in units]
    return _structural(marked, settings, families(list(found.values())))
