"""The majority verdict of several readers of the same provisions, as one gold file.

    python gold/tools/majority.py FIRST SECOND THIRD [...] --out FILE
    clauselens eval --gold FILE

For the clauses every file labels (by id, in FIRST's order) and for every knowledge-base agency
and regulation, the verdict (plausible, wrong, neither) that more than half of the readers gave;
without such a majority the id is neither (not scored). Everything else (text, categories,
severity, rationale) is FIRST's. Two readers who call an id wrong outvote one who leaves it
open, so the wrong-name share of the result depends less on how strict any one reader is
(``gold/README.md``: readers differ mostly between "wrong" and "neither"). Only totals are
needed to use it on a sealed set: the output goes to a file, and ``clauselens eval --gold``
prints totals.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

from clauselens.evaluation.gold import GoldProvision, knowledge_base_ids, load_gold

KINDS = ("agencies", "regulations")


def majority(
    readings: list[GoldProvision], kind: str, known: frozenset[str]
) -> dict[str, list[str]]:
    """``{"plausible": [...], "wrong": [...]}``: the ids more than half the readers put there."""
    votes: dict[str, Counter[str]] = {"plausible": Counter(), "wrong": Counter()}
    for item in readings:
        labels = item.agencies if kind == "agencies" else item.regulations
        votes["plausible"].update(labels.plausible)
        votes["wrong"].update(labels.wrong)
    half = len(readings) / 2
    return {
        verdict: sorted(k for k in known if counted[k] > half) for verdict, counted in votes.items()
    }


def combine(files: list[dict[str, GoldProvision]]) -> list[dict[str, object]]:
    """One row per clause every file labels, with the readers' majority verdicts."""
    first, known = files[0], dict(zip(KINDS, knowledge_base_ids(), strict=True))
    rows = []
    for key, item in first.items():
        readings = [f[key] for f in files if key in f]
        if len(readings) < len(files):
            continue
        row = item.model_dump(mode="json")
        for kind in KINDS:
            row[kind] = majority(readings, kind, known[kind])
        rows.append(row)
    return rows


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", type=Path, help="gold files of the same clauses")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    if len(args.files) < 2:
        parser.error("give at least two readings")
    rows = combine([load_gold(p).provisions() for p in args.files])
    args.out.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    print(f"{len(rows)} clauses labelled by all {len(args.files)} readers -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
