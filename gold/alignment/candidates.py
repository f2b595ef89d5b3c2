"""Candidate clause pairs for labelling (a tool for building ``pairs.jsonl``; not a label source).

Usage: python gold/alignment/candidates.py HISTORY_DIR OUT.jsonl

For every consecutive pair of versions of every document under HISTORY_DIR, the versions are
segmented with the current segmenter and aligned with the current aligner; candidates are:

- ``aligner``: every pair the aligner matched with a class other than unchanged, and the first
  exact (unchanged) pair of each version pair;
- ``nearest``: for every clause the aligner left added or removed, the most similar clause of the
  other version (rapidfuzz ``ratio`` of cosmetic forms), whether or not it was matched: the
  pairs the aligner may have missed, and hard negatives;
- ``runner-up``: for every matched non-exact pair, the second most similar clause (a near miss).

A human reads each candidate's two texts and writes the label; the aligner's answer is never
copied into the label file.
"""

from __future__ import annotations

import itertools
import json
import sys
from pathlib import Path

from rapidfuzz import fuzz, process

from clauselens.pipeline.segment.clauses import segment
from clauselens.pipeline.versions.align import AlignItem, align_clauses
from clauselens.schemas import Clause
from clauselens.schemas.changes import ChangeClass
from clauselens.textnorm import cosmetic_form


def _versions(doc: Path) -> list[Path]:
    return sorted(doc.glob("v*_*.md"), key=lambda p: int(p.name.split("_")[0][1:]))


def _row(doc: str, a: Path, b: Path, old, new, i, j, n_old, n_new, source: str) -> dict:
    return {
        "document": doc,
        "from_version": a.name,
        "to_version": b.name,
        "old_heading_path": list(old.heading_path),
        "new_heading_path": list(new.heading_path),
        "old_text": old.text,
        "new_text": new.text,
        "old_position": round(i / max(n_old, 1), 3),
        "new_position": round(j / max(n_new, 1), 3),
        "source": source,
    }


def _items(clauses: list[Clause]) -> list[AlignItem]:
    return [AlignItem(c.heading_path, c.text, c.clause_sha256) for c in clauses]


def _pair_candidates(doc: str, a: Path, b: Path) -> list[dict]:
    """The candidate pairs of one consecutive pair of versions ``a`` -> ``b``."""
    out: list[dict] = []
    old = segment(a.read_text("utf-8"))
    new = segment(b.read_text("utf-8"))
    pairs = align_clauses(_items(old), _items(new))
    forms_old = [cosmetic_form(c.text)[:4000] for c in old]
    forms_new = [cosmetic_form(c.text)[:4000] for c in new]
    seen: set[tuple[int, int]] = set()
    exact_taken = False

    def add(i: int, j: int, source: str) -> None:
        if (i, j) not in seen:
            seen.add((i, j))
            out.append(_row(doc, a, b, old[i], new[j], i, j, len(old), len(new), source))

    for p in pairs:
        if p.old is None or p.new is None or not p.carries:
            continue
        if p.change is ChangeClass.UNCHANGED:
            if not exact_taken:
                add(p.old, p.new, "aligner")
                exact_taken = True
            continue
        add(p.old, p.new, "aligner")
        ranked = process.extract(forms_new[p.new], forms_old, scorer=fuzz.ratio, limit=2)
        for _, score, k in ranked:
            if k != p.old and score >= 30:
                add(k, p.new, "runner-up")
    for p in pairs:
        if p.new is not None and (p.old is None or not p.carries):
            best = process.extractOne(forms_new[p.new], forms_old, scorer=fuzz.ratio)
            if best and best[1] >= 30:
                add(best[2], p.new, "nearest")
        if p.old is not None and (p.new is None or not p.carries):
            best = process.extractOne(forms_old[p.old], forms_new, scorer=fuzz.ratio)
            if best and best[1] >= 30:
                add(p.old, best[2], "nearest")
    return out


def candidates(history: Path) -> list[dict]:
    out: list[dict] = []
    for doc_dir in sorted(p.parent for p in history.glob("*/*/v0_*.md")):
        doc = str(doc_dir.relative_to(history))
        files = _versions(doc_dir)
        for a, b in itertools.pairwise(files):
            out += _pair_candidates(doc, a, b)
    return out


def main(argv: list[str]) -> int:
    rows = candidates(Path(argv[0]))
    with Path(argv[1]).open("w", encoding="utf-8") as fh:
        for k, row in enumerate(rows):
            fh.write(json.dumps({"candidate": k, **row}, ensure_ascii=False) + "\n")
    print(f"{len(rows)} candidates")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
