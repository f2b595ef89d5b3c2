"""Benchmark: change tracking over real histories: counts by class and model calls per pair.

Usage: python bench/changes.py [HISTORY_DIR]   (default: ../shared/corpus/ota/history)

Data. Every document under HISTORY_DIR (``<service>/<type>/v<i>_*.md``), with its metadata from
the corpus manifest (``HISTORY_DIR/../manifest.jsonl``). Real Open Terms Archive captures.

Method. Each document's versions are ingested in ``captured_at`` order into a fresh temporary
store with the real ``pipeline.ingest.ingest`` (segmentation and alignment included). For each
consecutive pair the table gives the change classes of the new version's provisions, its
clause count, and the model calls a run would make, counted by actually running the selection
with counting stub analyzers (they count and answer offline; no network):

- clause calls: one per clause of ``pending.clauses_needing_analysis`` (added + modified);
- change calls: ``change_analyze.analyze_changes`` with a counting change analyzer (modified).

Baselines in the same run: ``all``, every clause of the new version analysed again (no change
tracking), and ``by hash``, clauses whose exact text the previous version did not have
(what a hash-only cache saves; cosmetic edits still cost a call).

Alignment quality (first table). The labelled pairs of ``gold/alignment/pairs.jsonl`` are
located in the current segmentation by text (coverage reported) and scored
(``evaluation.alignment``): precision and recall of "same provision", class accuracy on the
pairs found, and cosmetic-reason accuracy. ``before``: the thresholds clauselens shipped before
issue 17 (score 60, text 50, weight 0.8, containment 90, no position term) without the new class
rules; ``defaults``: the shipped ``AlignSettings``; ``chosen``: the grid search's pick on all
documents; ``held-out``: leave-one-document-out cross-validation (each document scored with the
settings chosen on the other eight). The per-pair table below uses the shipped defaults.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from clauselens.analyzers.offline import OfflineAnalyzer
from clauselens.config import AlignSettings, load_settings
from clauselens.evaluation import alignment
from clauselens.pipeline.analyze.work import document_context_for
from clauselens.pipeline.ingest.captures import ingest
from clauselens.pipeline.versions import changes
from clauselens.pipeline.versions.change_analysis import analyze_changes
from clauselens.store import open_store
from clauselens.store import tables as t
from clauselens.store.queries import pending

CLASSES = ("added", "removed", "modified", "moved", "cosmetic", "unchanged")


class CountingChangeAnalyzer(OfflineAnalyzer):
    """Counts change-analysis calls; answers with the offline estimate."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    async def analyze_change(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return await super().analyze_change(*args, **kwargs)


class CountingClauseAnalyzer:
    """Counts clause-analysis calls; analyses nothing."""

    def __init__(self) -> None:
        self.calls = 0

    def analyze(self, clause_pk: int) -> None:
        self.calls += 1


def manifest_rows(history: Path) -> dict[str, list[dict[str, Any]]]:
    by_doc: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in (history.parent / "manifest.jsonl").read_text("utf-8").splitlines():
        row = json.loads(line)
        path = history.parent.parent / row["file"]
        if line.strip() and path.is_relative_to(history) and path.exists():
            by_doc[str(path.parent.relative_to(history))].append({**row, "path": path})
    return {k: sorted(v, key=lambda r: r["captured_at"]) for k, v in sorted(by_doc.items())}


def by_hash(conn: sa.Connection, prev: int, new: int) -> int:
    c = t.clauses.c
    old = set(conn.execute(sa.select(c.clause_sha256).where(c.version_pk == prev)).scalars())
    shas = conn.execute(sa.select(c.clause_sha256).where(c.version_pk == new)).scalars()
    return sum(1 for sha in shas if sha not in old)


def run_document(name: str, rows: list[dict[str, Any]], workdir: Path) -> list[list[str]]:
    settings = load_settings({"db_url": f"sqlite:///{workdir / name.replace('/', '_')}.db"})
    engine = open_store(settings.db_url)
    versions: list[int] = []
    for row in rows:
        options = {
            "entity": row["service"],
            "title": row["terms_type"],
            "terms_type": row["terms_type"],
            "captured_at": datetime.fromisoformat(row["captured_at"]),
        }
        report = ingest(engine, [row["path"]], settings, options)
        versions.extend(report.new_versions)
    out = []
    for i in range(1, len(versions)):
        prev, new = versions[i - 1], versions[i]
        clause_counter, change_counter = CountingClauseAnalyzer(), CountingChangeAnalyzer()
        with engine.connect() as conn:
            counts = changes.change_counts(conn, new)
            for clause_pk in pending.clauses_needing_analysis(conn, new):
                clause_counter.analyze(clause_pk)
            clauses = conn.execute(
                sa.select(sa.func.count()).where(t.clauses.c.version_pk == new)
            ).scalar_one()
            hashed = by_hash(conn, prev, new)
            document = document_context_for(conn, new)
        asyncio.run(analyze_changes(engine, change_counter, new, document=document))
        expected = counts["added"] + counts["modified"]
        assert clause_counter.calls == expected, (name, i, clause_counter.calls, expected)
        assert change_counter.calls == counts["modified"]
        out.append(
            [
                f"{name} v{i - 1}→v{i}",
                *(str(counts[k]) for k in CLASSES),
                str(clauses),
                str(clause_counter.calls),
                str(change_counter.calls),
                str(hashed),
                str(clauses),
            ]
        )
    engine.dispose()
    return out


BEFORE = AlignSettings(
    match_threshold=60,
    text_floor=50,
    text_weight=0.8,
    contained_threshold=90,
    position_weight=0,
    class_rules=False,
    spelling_max_edits=0,
    boundary_moves=False,
)


def _row(name: str, s: alignment.Scores, settings: AlignSettings | None) -> list[str]:
    knobs = (
        f"{settings.match_threshold:g}/{settings.text_floor:g}/{settings.text_weight:g}/"
        f"{settings.position_weight:g}/{settings.contained_threshold:g}"
        if settings is not None
        else "per fold"
    )
    return [
        name,
        knobs,
        f"{s.precision:.3f}",
        f"{s.recall:.3f}",
        f"{s.f1:.3f}",
        f"{s.class_accuracy:.3f}",
        f"{s.reason_accuracy:.3f}",
        f"{s.tp}/{s.fp}/{s.fn}/{s.tn}",
    ]


def alignment_table(history: Path, gold: Path) -> list[list[str]]:
    pairs = alignment.load_pairs(gold)
    version_pairs, found = alignment.prepare(pairs, history)
    print(f"labelled pairs located in the current segmentation: {found} of {len(pairs)}")
    before = alignment.score(version_pairs, BEFORE)
    defaults = alignment.score(version_pairs, AlignSettings())
    choice = alignment.choose(version_pairs, alignment.grid())
    print(f"grid: {len(alignment.grid())} settings ({', '.join(alignment.GRID)})")
    for doc, chosen, scores in choice.folds:
        print(f"  held out {doc}: chose {_row('', scores, chosen)[1]}, F1 {scores.f1:.3f}")
    return [
        _row("before", before, BEFORE),
        _row("defaults", defaults, AlignSettings()),
        _row("chosen (in-sample)", choice.in_sample, choice.settings),
        _row("held-out (CV by document)", choice.held_out, None),
    ]


def print_table(header: list[str], table: list[list[str]]) -> None:
    widths = [max(len(r[k]) for r in [header, *table]) for k in range(len(header))]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in table:
        print(
            "| "
            + " | ".join(
                c.rjust(w) if c.isdigit() else c.ljust(w) for c, w in zip(r, widths, strict=True)
            )
            + " |"
        )


def main(argv: list[str]) -> int:
    root = Path(__file__).resolve().parents[1]
    beside = [p / "shared" / "corpus" / "ota" / "history" for p in root.parents]
    history = Path(argv[0]) if argv else next((p for p in beside if p.is_dir()), beside[0])
    gold = root / "gold" / "alignment" / "pairs.jsonl"
    knobs = "score/text floor/text weight/position/containment"
    print_table(
        ["settings", knobs, "precision", "recall", "F1", "class acc", "reason acc", "tp/fp/fn/tn"],
        alignment_table(history.resolve(), gold),
    )
    print()
    header = ["pair", *CLASSES, "clauses", "clause calls", "change calls", "by hash", "all"]
    table: list[list[str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, rows in manifest_rows(history.resolve()).items():
            table.extend(run_document(name, rows, Path(tmp)))
    print_table(header, table)
    calls = sum(int(r[8]) for r in table)
    change_calls = sum(int(r[9]) for r in table)
    hashed = sum(int(r[10]) for r in table)
    total = sum(int(r[7]) for r in table)
    print(
        f"\nclause calls {calls} of {total} clauses ({calls / total:.0%}); by-hash baseline "
        f"{hashed} ({hashed / total:.0%}); all {total}. Change-analysis calls {change_calls} "
        f"(one per modified provision). Clause calls == added + modified in every pair (checked)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
