"""Splitting one section's own blocks into parts that fit the word bound, with local decisions.

The parts must not move when an unrelated paragraph changes, so cut points are content-defined
(like chunking in rsync or restic), not running totals from the start of the section:

1. Blocks form units: a heading with the block after it, a lead-in paragraph ending with ":"
   with the list or table after it, the items of one list.
2. Each unit has a fingerprint: CRC-32 of its first eight words as a number in [0, 1) (a
   thematic break has -1). An edit after a unit's opening words never changes its fingerprint.
3. A run of units over ``max_words`` is cut before every unit whose fingerprint is below a
   threshold, 1/16 first; a resulting run still over the bound is cut again with the threshold
   doubled (1/8, 1/4, 1/2, then 1: every unit). So a cut depends only on the fingerprint of the
   unit after it and on whether the run around it fits: growing a paragraph changes other parts
   only when it pushes its own run over the bound.
4. A single unit over the bound is opened at its list items (a lead-in stays with the first
   item, a heading with the block after it) and cut the same way.
5. A part with fewer than ``min_words`` words joins the part before it (the first part, which
   holds the heading, stays).

A single block over ``max_words`` (a long paragraph, a table, a code block) is never cut.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence

from clauselens.config import SegmentSettings
from clauselens.pipeline.segment._blocks import LEAD_IN_GLUE, LIST_GLUE, Block, Kind

Part = list[Block]

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
        if units and (block.glue >= min_glue or after_heading):
            units[-1].append(block)
        else:
            units.append([block])
    return units


def _fingerprint(unit: Part) -> float:
    first = unit[0]
    if first.kind is Kind.BREAK:
        return -1.0
    opening = " ".join(first.first_line.split()[:FINGERPRINT_WORDS])
    return zlib.crc32(opening.encode("utf-8")) / 2**32


def _cut(units: list[Part], max_words: int, level: int, glue: int) -> list[Part]:
    """Parts of ``units`` within ``max_words``, cut at fingerprints below THRESHOLDS[level]."""
    if sum(words(u) for u in units) <= max_words:
        return [[block for unit in units for block in unit]]
    if len(units) == 1:
        unit = units[0]
        if glue < LEAD_IN_GLUE and len(unit) > 1:
            return _cut(_units(unit, glue + 1), max_words, 0, glue + 1)
        return [unit]
    threshold = THRESHOLDS[min(level, len(THRESHOLDS) - 1)]
    runs: list[list[Part]] = [[units[0]]]
    for unit in units[1:]:
        if _fingerprint(unit) < threshold:
            runs.append([])
        runs[-1].append(unit)
    return [part for run in runs for part in _cut(run, max_words, level + 1, glue)]


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
    parts = _cut(_units(blocks, LIST_GLUE), settings.max_words, 0, LIST_GLUE)
    return _merge_small(parts, settings)
