"""Rebuild gold/categories.jsonl and gold/similarity/tosdr_points.jsonl from the development corpus.

    python gold/tools/make_sets.py [CORPUS_DIR]   (default: ../shared/corpus)

Deterministic (fixed seed, sorted input): the same corpus gives the same bytes.

- categories.jsonl: every potentially unfair sentence of the CLAUDETTE *validation* split
  (LexGLUE UNFAIR-ToS, 10 documents; the shipped offline classifier is fitted on every row of
  the development file, these included, so its figure on this set is in-sample), and
  200 fair sentences of the same documents drawn at random (seed 20261201), stratified by
  document in proportion to its fair sentences. Labels are mapped to taxonomy codes by
  gold/claudette_mapping.csv.
- similarity/tosdr_points.jsonl: the ToS;DR points whose quote has at least 20 characters and
  whose case is quoted by at least two services (the others have no relevant answer).
"""

from __future__ import annotations

import csv
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

SEED = 20261201
FAIR = 200
MIN_CHARS = 20
GOLD = Path(__file__).resolve().parents[1]


def mapping() -> dict[str, str]:
    with (GOLD / "claudette_mapping.csv").open(encoding="utf-8") as f:
        return {row["claudette_code"]: row["taxonomy_code"] for row in csv.DictReader(f)}


def categories(corpus: Path) -> list[dict[str, object]]:
    codes = mapping()
    path = corpus / "claudette" / "tos50_train_validation.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    rows = [r for r in rows if r["lexglue_split"] == "validation"]
    rows.sort(key=lambda r: (r["doc"], r["sentence_index"]))
    unfair = [r for r in rows if r["label_codes"]]
    fair_by_doc: dict[str, list[dict[str, object]]] = defaultdict(list)
    for r in rows:
        if not r["label_codes"]:
            fair_by_doc[r["doc"]].append(r)
    total_fair = sum(len(v) for v in fair_by_doc.values())
    rng = random.Random(SEED)
    fair: list[dict[str, object]] = []
    for doc in sorted(fair_by_doc):
        pool = fair_by_doc[doc]
        fair.extend(rng.sample(pool, round(FAIR * len(pool) / total_fair)))
    chosen = sorted(unfair + fair, key=lambda r: (str(r["doc"]), int(r["sentence_index"])))
    return [
        {
            "id": f"CL-{r['doc']}-{r['sentence_index']}",
            "doc": r["doc"],
            "sentence_index": r["sentence_index"],
            "text": r["text"],
            "claudette_codes": sorted(r["label_codes"]),
            "categories": sorted(codes[c] for c in r["label_codes"]),
        }
        for r in chosen
    ]


def similarity(corpus: Path) -> list[dict[str, object]]:
    path = corpus / "tosdr" / "points.jsonl"
    kept = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line:
            continue
        row = json.loads(line)
        text = (row.get("quote_text_clean") or row.get("quote_text") or "").strip()
        if len(text) < MIN_CHARS or not row.get("services") or not row.get("case"):
            continue
        kept.append(
            {
                "point_id": str(row["point_id"]),
                "service": row["services"][0],
                "case": row["case"],
                "text": text,
            }
        )
    services: dict[str, set[str]] = defaultdict(set)
    for row in kept:
        services[str(row["case"])].add(str(row["service"]))
    return [row for row in kept if len(services[str(row["case"])]) > 1]


def write(path: Path, rows: list[dict[str, object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
    print(f"{path.relative_to(GOLD.parent)}: {len(rows)} rows")


def main() -> None:
    corpus = Path(sys.argv[1]) if len(sys.argv) > 1 else GOLD.parent / ".." / "shared" / "corpus"
    write(GOLD / "categories.jsonl", categories(corpus))
    write(GOLD / "similarity" / "tosdr_points.jsonl", similarity(corpus))


if __name__ == "__main__":
    main()
