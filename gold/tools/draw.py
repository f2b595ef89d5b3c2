"""Draw a fresh, unlabelled sample of clauses for a sealed gold round.

    python gold/tools/draw.py PREFIX SEED [--n 30] [--corpus ../shared/corpus] [--out FILE]

Uniform over every clause of the corpus's current Open Terms Archive documents
(``ota/manifest.jsonl``, kind ``current``) as ``clauselens segment`` cuts them, with at least
``MIN_WORDS`` words, that overlaps no clause of a gold file (``gold/*.jsonl`` provisions sets,
and any ``--exclude`` file, e.g. an earlier draw of the same round); at most ``PER_SERVICE``
clauses per service. Candidates are sorted, shuffled with ``random.Random(SEED)`` and taken in
that order under the per-service cap, so the same corpus and seed give the same draw.

Each item carries what a reader needs and nothing an analyzer said: ``id`` (PREFIX01...),
``text`` (the clause verbatim), ``service``, ``document``, ``terms_type``, ``captured_at``,
``heading_path``. Readers add ``kind``, ``categories``, ``severity``, ``agencies``,
``regulations`` and ``rationale`` (``schemas/provisions.schema.json``) by reading the clause.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from clauselens.pipeline.segment.clauses import segment

GOLD = Path(__file__).resolve().parents[1]
MIN_WORDS = 25
PER_SERVICE = 3
GOLD_FILES = (
    "provisions.jsonl",
    "provisions_holdout.jsonl",
    "reference.jsonl",
)


def _spans(text: str, needle: str) -> list[tuple[int, int]]:
    """Every place ``needle`` (whitespace-trimmed) occurs in ``text``."""
    core = needle.strip()
    found, at = [], text.find(core)
    while core and at >= 0:
        found.append((at, at + len(core)))
        at = text.find(core, at + 1)
    return found


def taken_spans(items: Iterable[dict[str, Any]], texts: dict[str, str]) -> dict[str, list[Any]]:
    """Per document file, the spans gold items already cover (by exact text)."""
    taken: dict[str, list[Any]] = {}
    for item in items:
        doc = str(item.get("document", ""))
        if doc in texts:
            taken.setdefault(doc, []).extend(_spans(texts[doc], str(item["text"])))
    return taken


def current_documents(corpus: Path) -> list[tuple[dict[str, Any], str, str]]:
    """The corpus's current documents: manifest entry, document path and text, read once."""
    out = []
    for entry in read_jsonl(corpus / "ota" / "manifest.jsonl"):
        if entry.get("kind") == "current":
            document = str(entry["file"]).removeprefix("ota/current/")
            out.append((entry, document, (corpus / entry["file"]).read_text(encoding="utf-8")))
    return out


def candidates(
    documents: Sequence[tuple[dict[str, Any], str, str]], taken: dict[str, list[Any]]
) -> list[dict[str, Any]]:
    """Every eligible clause of the current documents, in a fixed order."""
    out = []
    for entry, document, text in documents:
        for clause in segment(text):
            if len(clause.text.split()) < MIN_WORDS:
                continue
            spans = taken.get(document, [])
            if any(clause.start < end and start < clause.end for start, end in spans):
                continue
            out.append(
                {
                    "text": text[clause.start : clause.end],
                    "service": entry["service"],
                    "document": document,
                    "terms_type": entry["terms_type"],
                    "captured_at": entry["captured_at"],
                    "heading_path": list(clause.heading_path),
                }
            )
    out.sort(key=lambda c: (c["document"], c["text"]))
    return out


def draw(pool: Sequence[dict[str, Any]], prefix: str, seed: int, n: int) -> list[dict[str, Any]]:
    order = list(pool)
    random.Random(seed).shuffle(order)
    per_service: Counter[str] = Counter()
    chosen = []
    for item in order:
        if per_service[item["service"]] >= PER_SERVICE:
            continue
        per_service[item["service"]] += 1
        chosen.append(item)
        if len(chosen) == n:
            break
    return [{"id": f"{prefix}{i:02d}", **item} for i, item in enumerate(chosen, 1)]


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prefix", help="id prefix, e.g. HV")
    parser.add_argument("seed", type=int)
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--corpus", type=Path, default=GOLD.parent.parent / "shared" / "corpus")
    parser.add_argument("--exclude", type=Path, action="append", default=[])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    documents = current_documents(args.corpus)
    texts = {document: text for _, document, text in documents}
    gold = [row for name in GOLD_FILES for row in read_jsonl(GOLD / name)]
    gold += [row for path in args.exclude for row in read_jsonl(path)]
    pool = candidates(documents, taken_spans(gold, texts))
    items = draw(pool, args.prefix, args.seed, args.n)
    lines = "".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items)
    if args.out:
        args.out.write_text(lines, encoding="utf-8")
    else:
        sys.stdout.write(lines)
    print(f"{len(items)} of {len(pool)} eligible clauses", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
