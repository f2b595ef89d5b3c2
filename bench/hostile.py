"""Benchmark of ingest on hostile inputs: a 19 MB single line, and lines that were quadratic.

Usage: python bench/hostile.py [MEGABYTES]   (default 19)

Prints, for each input: the seconds of the step it stresses at two sizes, and their ratio (about
2 when the step is linear in the input, about 4 when quadratic); then `clauselens ingest` of a
single-line file of MEGABYTES in a child process, with its wall time and peak RSS.
"""

from __future__ import annotations

import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from clauselens.pipeline.ingest.cutoff import looks_cut_off
from clauselens.pipeline.ingest.extract import tidy
from clauselens.pipeline.segment.clauses import heading_only, segment
from clauselens.pipeline.versions.align import AlignItem, align_clauses
from clauselens.textnorm import clause_sha256, cosmetic_form

WORDS = "the service may terminate your account at any time without notice and we collect data"


def single_line(size: int, seed: int = 1) -> str:
    rng = random.Random(seed)
    words = WORDS.split()
    out: list[str] = []
    total = 0
    while total < size:
        word = rng.choice(words)
        out.append(word)
        total += len(word) + 1
    return " ".join(out)


def _align(n: int) -> object:
    text = single_line(n)
    edited = text[: n // 2] + " changed " + text[n // 2 :]
    return align_clauses(
        [AlignItem((), text, clause_sha256(text))], [AlignItem((), edited, clause_sha256(edited))]
    )


CASES: dict[str, tuple[Callable[[int], object], int]] = {
    "segment, one line": (lambda n: segment(single_line(n)), 2_000_000),
    "cosmetic form, one line": (lambda n: cosmetic_form(single_line(n)), 2_000_000),
    "align, two huge clauses": (_align, 400_000),
    "ATX heading, space run": (lambda n: segment("# T" + " " * n + "x\n"), 40_000),
    "heading_only, anchor": (lambda n: heading_only("[](#a)x" + " " * n + "y"), 40_000),
    "tidy, space run": (lambda n: tidy(" " * n + "x"), 80_000),
    "cut-off, long last word": (
        lambda n: looks_cut_off("a b c d e f g h i j k l m " + "w" * n),
        40_000,
    ),
    "cosmetic form, nested links": (
        lambda n: cosmetic_form("[" * (n // 5) + "a" + "](u)" * (n // 5)),
        20_000,
    ),
}


def seconds(run: Callable[[int], object], n: int) -> float:
    began = time.perf_counter()
    run(n)
    return time.perf_counter() - began


def scaling_table() -> None:
    print(f"{'input':<30}{'size':>11}{'seconds':>9}{'2x size':>9}{'ratio':>7}")
    for name, (run, n) in CASES.items():
        one, two = seconds(run, n), seconds(run, 2 * n)
        print(f"{name:<30}{n:>11,}{one:>9.3f}{two:>9.3f}{two / max(one, 1e-6):>7.1f}")


def ingest_one_line(megabytes: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        capture = Path(tmp) / "one-line.md"
        capture.write_text(single_line(int(megabytes * 1_000_000)) + "\n")
        env = {**os.environ, "CLAUSELENS_HOME": tmp}
        command = [sys.executable, "-m", "clauselens", "--db", f"{tmp}/store.db", "ingest"]
        began = time.perf_counter()
        subprocess.run(
            [*command, str(capture), "--entity", "Bench", "--title", "One line"],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        took = time.perf_counter() - began
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1000  # kB on Linux
    print(f"clauselens ingest, {megabytes:g} MB on one line: {took:.1f} s, peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    scaling_table()
    ingest_one_line(float(sys.argv[1]) if len(sys.argv) > 1 else 19.0)
