"""Benchmark of segmentation (``pipeline.segment``) over the corpus, beside pySBD sentences.

Usage: python bench/segment.py [--quick] [OTA_DIR]   (default: ../shared/corpus/ota next to the
repo; --quick prints only the clause-length and stability tables)

Prints: throughput and peak memory of segmentation and of pySBD on the same texts in the same
run, with the ratio; the time to segment one huge paragraph of 5 and 10 MB, with the ratio (about
2 when segmentation is linear); the clause-length distribution in words; and, for each consecutive
pair of history versions, how many clauses of the newer version keep an identical clause_sha256,
and how many clauses (of either version) changed although their own text and the lines either
side of them did not ("shifted": a boundary moved by an edit elsewhere; the goal is 0).
"""

from __future__ import annotations

import difflib
import re
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from itertools import pairwise
from pathlib import Path
from typing import Any

import pysbd

from clauselens.config import SegmentSettings
from clauselens.pipeline.segment.clauses import segment
from clauselens.schemas import Clause

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OTA = ROOT.parent / "shared" / "corpus" / "ota"


def corpus(ota: Path) -> list[Path]:
    return sorted([*ota.glob("current/*/*.md"), *ota.glob("history/*/*/v*.md")])


def measure(run: Callable[[str], Any], texts: list[str]) -> tuple[float, int, int]:
    """(seconds, items produced, peak bytes) of ``run`` over every text."""
    began = time.perf_counter()
    items = sum(len(run(text)) for text in texts)
    seconds = time.perf_counter() - began
    tracemalloc.start()
    for text in texts:
        run(text)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return seconds, items, peak


def throughput_table(texts: list[str]) -> None:
    megabytes = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    sentencer = pysbd.Segmenter(language="en", clean=False)
    rows = {
        "segment": measure(segment, texts),
        "pySBD": measure(sentencer.segment, texts),
    }
    print(f"{'run':<10}{'files':>7}{'MB':>8}{'items':>9}{'seconds':>10}{'MB/s':>9}{'peak MB':>9}")
    for name, (seconds, items, peak) in rows.items():
        print(
            f"{name:<10}{len(texts):>7}{megabytes:>8.2f}{items:>9}{seconds:>10.2f}"
            f"{megabytes / seconds:>9.2f}{peak / 1e6:>9.1f}"
        )
    ratio = rows["pySBD"][0] / rows["segment"][0]
    print(f"ratio (segment MB/s / pySBD MB/s): {ratio:.1f}x")


def huge_paragraph_table() -> None:
    """Seconds to segment one paragraph of 5 MB and of 10 MB; linear time gives a ratio near 2."""
    seconds = {}
    for megabytes in (5, 10):
        text = "word " * (megabytes * 200_000)
        began = time.perf_counter()
        segment(text)
        seconds[megabytes] = time.perf_counter() - began
    print(f"\n{'one paragraph':<16}{'seconds':>10}")
    for megabytes, took in seconds.items():
        print(f"{f'{megabytes} MB':<16}{took:>10.2f}")
    print(f"ratio (10 MB / 5 MB): {seconds[10] / seconds[5]:.1f}x")


def length_table(texts: list[str]) -> None:
    """Clause lengths, clauses over the default bound, and heading paths with an empty element."""
    clauses = [c for text in texts for c in segment(text)]
    lengths = sorted(len(c.text.split()) for c in clauses)
    cuts = statistics.quantiles(lengths, n=20, method="inclusive")
    over = sum(n > SegmentSettings().max_words for n in lengths)
    empty = sum(any(not t.strip() for t in c.heading_path) for c in clauses)
    print("\nclause length in words over", len(lengths), "clauses")
    print(
        f"{'min':>6}{'p5':>6}{'median':>8}{'p95':>7}{'max':>7}{'over bound':>12}{'empty path':>12}"
    )
    median = statistics.median(lengths)
    print(
        f"{lengths[0]:>6}{cuts[0]:>6.0f}{median:>8.0f}{cuts[-1]:>7.0f}{lengths[-1]:>7}"
        f"{over:>12}{empty:>12}"
    )


def _version(path: Path) -> int:
    match = re.match(r"v(\d+)_", path.name)
    return int(match.group(1)) if match else -1


_Kept = tuple[set[int], set[int]]


def _unchanged_lines(old: str, new: str) -> tuple[_Kept, _Kept]:
    """For the old and the new text: (lines a line diff keeps, lines before which it inserts)."""
    matcher = difflib.SequenceMatcher(None, old.split("\n"), new.split("\n"), autojunk=False)
    kept_old: _Kept = (set(), set())
    kept_new: _Kept = (set(), set())
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            kept_old[0].update(range(i1, i2))
            kept_new[0].update(range(j1, j2))
        elif i1 == i2:
            kept_old[1].add(i1)
        elif j1 == j2:
            kept_new[1].add(j1)
    return kept_old, kept_new


def _shifted(text: str, clauses: list[Clause], other: set[str], kept: _Kept) -> int:
    """Clauses not in ``other`` whose lines, and the non-blank line either side, are all kept
    with nothing inserted between them."""
    lines = text.split("\n")
    count = 0
    for clause in clauses:
        if clause.clause_sha256 in other:
            continue
        first = text.count("\n", 0, clause.start)
        last = first + clause.text.count("\n")
        while first > 0 and not lines[first - 1].strip():
            first -= 1
        while last + 1 < len(lines) and not lines[last + 1].strip():
            last += 1
        lo, hi = max(first - 1, 0), min(last + 1, len(lines) - 1)
        lines_kept = all(i in kept[0] or not lines[i].strip() for i in range(lo, hi + 1))
        count += lines_kept and not any(lo < i <= hi for i in kept[1])
    return count


def stability_table(ota: Path) -> None:
    print(f"\n{'history pair':<36}{'clauses':>8}{'unchanged':>10}{'changed':>8}{'shifted':>8}")
    totals = [0, 0, 0]
    for doc in sorted(ota.glob("history/*/*")):
        versions = sorted(doc.glob("v*.md"), key=_version)
        for old, new in pairwise(versions):
            old_text, new_text = old.read_text(encoding="utf-8"), new.read_text(encoding="utf-8")
            before, clauses = segment(old_text), segment(new_text)
            known = {c.clause_sha256 for c in before}
            same = sum(c.clause_sha256 in known for c in clauses)
            kept_old, kept_new = _unchanged_lines(old_text, new_text)
            shifted = _shifted(new_text, clauses, known, kept_new) + _shifted(
                old_text, before, {c.clause_sha256 for c in clauses}, kept_old
            )
            totals[0] += len(clauses)
            totals[1] += same
            totals[2] += shifted
            name = f"{doc.relative_to(ota / 'history')} v{_version(old)}→v{_version(new)}"
            print(f"{name:<36}{len(clauses):>8}{same:>10}{len(clauses) - same:>8}{shifted:>8}")
    changed = totals[0] - totals[1]
    print(f"{'total':<36}{totals[0]:>8}{totals[1]:>10}{changed:>8}{totals[2]:>8}")


def main(argv: list[str]) -> int:
    quick = "--quick" in argv
    args = [a for a in argv[1:] if a != "--quick"]
    ota = Path(args[0]) if args else DEFAULT_OTA
    files = corpus(ota)
    if not files:
        print(f"no corpus files under {ota}", file=sys.stderr)
        return 1
    texts = [f.read_text(encoding="utf-8") for f in files]
    if not quick:
        throughput_table(texts)
        huge_paragraph_table()
    length_table(texts)
    stability_table(ota)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
