"""Benchmark of segmentation (``pipeline.segment``) over the corpus, beside pySBD sentences.

Usage: python bench/segment.py [OTA_DIR]   (default: ../shared/corpus/ota next to the repo)

Prints: throughput and peak memory of segmentation and of pySBD on the same texts in the same
run, with the ratio; the time to segment one huge paragraph of 5 and 10 MB, with the ratio (about
2 when segmentation is linear); the clause-length distribution in words; and, for each consecutive
pair of history versions, how many clauses of the newer version keep an identical clause_sha256.
"""

from __future__ import annotations

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

from clauselens.pipeline.segment.clauses import segment

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
    lengths = sorted(len(c.text.split()) for text in texts for c in segment(text))
    cuts = statistics.quantiles(lengths, n=20, method="inclusive")
    print("\nclause length in words over", len(lengths), "clauses")
    print(f"{'min':>6}{'p5':>6}{'median':>8}{'p95':>7}{'max':>7}")
    median = statistics.median(lengths)
    print(f"{lengths[0]:>6}{cuts[0]:>6.0f}{median:>8.0f}{cuts[-1]:>7.0f}{lengths[-1]:>7}")


def _version(path: Path) -> int:
    match = re.match(r"v(\d+)_", path.name)
    return int(match.group(1)) if match else -1


def stability_table(ota: Path) -> None:
    print(f"\n{'history pair':<36}{'clauses':>8}{'unchanged':>10}{'changed':>8}")
    totals = [0, 0]
    for doc in sorted(ota.glob("history/*/*")):
        versions = sorted(doc.glob("v*.md"), key=_version)
        for old, new in pairwise(versions):
            known = {c.clause_sha256 for c in segment(old.read_text(encoding="utf-8"))}
            clauses = segment(new.read_text(encoding="utf-8"))
            same = sum(c.clause_sha256 in known for c in clauses)
            totals[0] += len(clauses)
            totals[1] += same
            name = f"{doc.relative_to(ota / 'history')} v{_version(old)}→v{_version(new)}"
            print(f"{name:<36}{len(clauses):>8}{same:>10}{len(clauses) - same:>8}")
    print(f"{'total':<36}{totals[0]:>8}{totals[1]:>10}{totals[0] - totals[1]:>8}")


def main(argv: list[str]) -> int:
    ota = Path(argv[1]) if len(argv) > 1 else DEFAULT_OTA
    files = corpus(ota)
    if not files:
        print(f"no corpus files under {ota}", file=sys.stderr)
        return 1
    texts = [f.read_text(encoding="utf-8") for f in files]
    throughput_table(texts)
    huge_paragraph_table()
    length_table(texts)
    stability_table(ota)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
