"""Splitting one section's own blocks into parts that fit the word bound, with local decisions.

The parts must not move when an unrelated paragraph grows, so the cut points are chosen by
content, not by running totals from the start of the section:

1. Blocks form units: a heading with the block after it, a lead-in paragraph ending with ":"
   with the list or table after it, the items of one list.
2. A cut falls before a unit that is an *anchor*: a thematic break, or a unit whose fingerprint
   (CRC-32 of its first eight words, as a number in [0, 1)) is below ``size / target``, where
   size is the unit's word count rounded down to a power of two and ``target = max_words / 2``
   (so a run averages about ``target`` words). Whether a unit is an anchor depends only on that
   unit's opening words and size bucket, so an edit elsewhere in a paragraph moves no cut, and
   any edit moves at most the cuts next to the edited unit.
3. A run between anchors that is still over ``max_words`` is packed greedily, unit by unit; a unit
   over the bound is opened at its list items (a lead-in stays with the first item, a heading
   with the block after it) and packed the same way. Greedy
   packing starts again at every anchor, so its effect stays inside the run.
4. A part with fewer than ``min_words`` words joins the part before it (the first part, which
   holds the heading, stays).

A single block over ``max_words`` (a long paragraph, a table, a code block) is never cut.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

from clauselens.config import SegmentSettings
from clauselens.pipeline._blocks import LEAD_IN_GLUE, LIST_GLUE, Block, Kind

Part = list[Block]

#: How many opening words of a unit make its fingerprint (edits after them do not move cuts).
FINGERPRINT_WORDS = 8


def words(blocks: Sequence[Block]) -> int:
    return sum(b.words for b in blocks)


def _units(blocks: Sequence[Block], min_glue: int) -> list[Part]:
    """Blocks joined to the unit before when glued at least ``min_glue`` (or after a heading)."""
    units: list[Part] = []
    for block in blocks:
        after_heading = bool(units) and len(units[-1]) == 1 and units[-1][0].level is not None
        if units and (block.glue >= min_glue or after_heading):
            units[-1].append(block)
        else:
            units.append([block])
    return units


def _is_anchor(unit: Part, target: float) -> bool:
    first = unit[0]
    if first.kind is Kind.BREAK:
        return True
    opening = " ".join(first.first_line.split()[:FINGERPRINT_WORDS])
    fingerprint = zlib.crc32(opening.encode("utf-8")) / 2**32
    size = 1 << (words(unit).bit_length() - 1) if words(unit) else 0
    return fingerprint < size / target


def _pack(blocks: Sequence[Block], max_words: int, glue: int = LIST_GLUE) -> list[Part]:
    """Greedy packing of units into parts of at most ``max_words`` (a unit over it is opened)."""
    parts: list[Part] = []
    size = 0
    for unit in _units(blocks, glue):
        pieces = [unit]
        if words(unit) > max_words and glue < LEAD_IN_GLUE and len(unit) > 1:
            pieces = _pack(unit, max_words, glue + 1)
        for piece in pieces:
            piece_words = words(piece)
            if parts and size + piece_words <= max_words:
                parts[-1].extend(piece)
                size += piece_words
            else:
                parts.append(list(piece))
                size = piece_words
    return parts


def _merge_small(parts: list[Part], settings: SegmentSettings) -> list[Part]:
    merged: list[Part] = []
    for part in parts:
        small = words(part) < settings.min_words
        if merged and small and words(merged[-1]) + words(part) <= settings.max_words:
            merged[-1].extend(part)
        else:
            merged.append(part)
    return merged


def split_section(blocks: Sequence[Block], settings: SegmentSettings) -> list[Part]:
    """The parts of one section's own blocks (its heading first), each within the bounds."""
    if words(blocks) <= settings.max_words:
        return [list(blocks)]
    target = settings.max_words / 2
    runs: list[Part] = []
    for index, unit in enumerate(_units(blocks, LIST_GLUE)):
        if index == 0 or _is_anchor(unit, target):
            runs.append([])
        runs[-1].extend(unit)
    parts = [part for run in runs for part in _pack(run, settings.max_words)]
    return _merge_small(parts, settings)
