"""Benchmark: the review queue's first page with 100,000 analyses, SQL against the old Python way.

    python bench/review_queue.py [--analyses 100000] [--limit 50] [--repeat 7] [--baseline-repeat 3]
                          [--check 400] [--store PATH]

Data (SYNTHETIC, not from any real policy). ``--analyses / 2`` clauses in documents of 1,000
sections each, ten entities, ingested with the real ``pipeline.ingest.ingest`` (extraction,
segmentation, alignment). Every clause has two analyses, as after a Claude run with the offline
second opinion: a Claude one (severity and confidence drawn with a fixed seed; 1% failed, 3%
re-asked) and an offline one (confidence low). Then 2% of them get an analyst's decision
through ``review.approve / reject / edit`` (an edit changes severity, so the queue must read
the edited value).

The analyses go in by a bulk path that writes exactly the rows ``persist.save_result`` writes:
the analysis row from ``persist._row_values`` (the function ``save_result`` inserts), the flags
from the shipped rules evaluated on the same ``FlagSubject`` that ``review.flags`` builds (its
counterpart by the other analyzer included), ``top_priority`` as ``review.flags`` stores it,
``superseded``, ``outranked``, ``substance`` and ``novelty`` by
``store.placement.place_analyses`` (which ``save_result`` calls; every document has one
version, so no analysis is superseded; the offline analysis of a clause is outranked by its
Claude one, unless an analyst rejected that or edited the offline one), and
``similar_platforms`` spread by id (``spread_uniqueness``);
rows are inserted in chunks instead of one transaction and three reads per analysis. Before
timing, ``--check N`` builds two small stores, one with ``save_result`` and one with the bulk
path, and stops if their ``analyses`` and ``flags`` tables differ in any row.

Timed (median of ``--repeat``, on a warm store):
- SQL page: ``store.queries.review.queue_page``: the first ``--limit`` items in queue order;
- SQL page+total+counts: ``review.queue_page``: what the web page and ``review list`` show (the
  page, how many match, the counts by flag);
- baseline: the queue before this change, copied below: every analysis read (with its clause,
  document and flags; which analysis stands for each text by ``standing_key``), filtered, sorted
  by ``QueueItem.sort_key`` and sliced in Python, and the
  counts by flag from the same list (median of ``--baseline-repeat``);
- ratio: baseline / SQL page+total+counts.
Each row also checks that the SQL page and the baseline page are the same analyses in the same
order.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from clauselens import review
from clauselens.config import Settings, load_settings
from clauselens.pipeline.analyze.persist import _row_values, save_result
from clauselens.pipeline.ingest.captures import ingest
from clauselens.review.flags import Flag, FlagSubject, load_flag_rules
from clauselens.schemas import AnalysisResult, ClauseAnalysis, Provenance
from clauselens.store import open_store
from clauselens.store import tables as t
from clauselens.store.placement import place_analyses
from clauselens.store.queries import review as queries
from clauselens.store.queries.analyses import standing_key

NOW = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
SECTIONS_PER_DOCUMENT = 1000
ENTITIES = tuple(f"Synthetic Entity {i}" for i in range(10))
TEMPLATES = (
    "We may suspend or terminate account {i} without notice if you breach these terms.",
    "You must not share output {i} with third parties for training competing models.",
    "Disputes about order {i} are resolved by binding arbitration under the laws of Delaware.",
    "We retain personal data about session {i} for as long as your account is active.",
    "Our liability for service {i} is limited to the fees you paid in the last twelve months.",
)
CATEGORIES = ("content_removal", "jurisdiction", "human_oversight")
LEVELS = ("high", "medium", "low")


# --- the store ------------------------------------------------------------------------------


def document_text(doc: int) -> str:
    """A SYNTHETIC policy of ``SECTIONS_PER_DOCUMENT`` sections of three sentences."""
    parts = []
    for i in range(SECTIONS_PER_DOCUMENT):
        key = f"{doc}-{i}"
        body = " ".join(TEMPLATES[(i + k) % len(TEMPLATES)].format(i=key) for k in range(3))
        parts.append(f"## Section {i + 1}\n\n{body}")
    return "\n\n".join(parts) + "\n"


@dataclass(frozen=True)
class StoredClause:
    pk: int
    sha: str
    text: str
    truncation_reason: str | None
    cut_off_reason: str | None


def ingest_documents(engine: sa.Engine, settings: Settings, folder: Path, clauses: int) -> None:
    """Ingest enough SYNTHETIC documents for ``clauses`` clauses with the real ingest."""
    documents = -(-clauses // SECTIONS_PER_DOCUMENT)
    for doc in range(documents):
        path = folder / f"doc-{doc}.md"
        path.write_text(document_text(doc), "utf-8")
        options = {
            "entity": ENTITIES[doc % len(ENTITIES)],
            "title": f"Synthetic Terms {doc}",
            "terms_type": "Terms of Service",
            "captured_at": NOW,
        }
        ingest(engine, [path], settings, options)


def stored_clauses(engine: sa.Engine, limit: int) -> list[StoredClause]:
    c, v = t.clauses.c, t.versions.c
    query = (
        sa.select(
            c.id, c.clause_sha256, c.text, c.truncation_reason, v.looks_cut_off, v.cut_off_reason
        )
        .join(t.versions, v.id == c.version_pk)
        .order_by(c.id)
        .limit(limit)
    )
    with engine.connect() as conn:
        return [
            StoredClause(
                r.id,
                r.clause_sha256,
                r.text,
                r.truncation_reason,
                (r.cut_off_reason or "no reason recorded") if r.looks_cut_off else None,
            )
            for r in conn.execute(query)
        ]


def _analysis(clause: StoredClause, rng: random.Random, offline: bool) -> ClauseAnalysis:
    severity = rng.choices(LEVELS, weights=(2, 5, 3))[0]
    confidence = "low" if offline else rng.choices(LEVELS, weights=(5, 3, 2))[0]
    quote = clause.text.split("\n\n")[-1].split(".")[0]
    return ClauseAnalysis.model_validate(
        {
            "title": f"Clause {clause.pk}: {quote[:40]}",
            "summary": "SYNTHETIC summary of the clause for the queue benchmark.",
            "why_it_matters": "SYNTHETIC: the provider keeps a broad discretion.",
            "consumer_impact": "SYNTHETIC: users may lose access or data.",
            "institutional_analysis": {
                "regulatory_landscape": "FTC Act s.5; EU Digital Services Act.",
                "governance_exposure": {"level": severity, "rationale": "SYNTHETIC."},
                "jurisdiction_flags": [{"jurisdiction": "EU", "note": "SYNTHETIC."}],
                "contract_and_vendor_implications": "SYNTHETIC.",
                "compliance_considerations": "SYNTHETIC.",
            },
            "applicable_agencies": [
                {"name": "FTC", "jurisdiction": "US", "authority": "Unfair practices."}
            ],
            "severity": severity,
            "confidence": confidence,
            "confidence_rationale": "SYNTHETIC rationale.",
            "evidence_type": "explicit_language",
            "evidence_quotes": [quote],
            "categories": [rng.choice(CATEGORIES)],
            "truncation_note": None,
        }
    )


def results_for(clause: StoredClause, rng: random.Random) -> list[AnalysisResult]:
    """The Claude analysis and the offline second opinion of one clause."""
    failed, reasked = rng.random() < 0.01, rng.random() < 0.03
    claude = AnalysisResult(
        clause_sha256=clause.sha,
        status="failed" if failed else "valid",
        analysis=None if failed else _analysis(clause, rng, offline=False),
        error="schema_invalid: the answer was not JSON" if failed else None,
        provenance=Provenance(
            analyzer="claude",
            model="claude-sonnet-5-5",
            prompt_id="clause-analysis",
            prompt_version="bench-p1",
            generated_at=NOW,
            stop_reason="end_turn",
            attempts=2 if reasked else 1,
            reasked=reasked and not failed,
        ),
    )
    offline = AnalysisResult(
        clause_sha256=clause.sha,
        status="valid",
        analysis=_analysis(clause, rng, offline=True),
        provenance=Provenance(
            analyzer="offline",
            model="offline-rules",
            prompt_id="clause-analysis",
            prompt_version="bench-o1",
            generated_at=NOW,
        ),
    )
    return [claude, offline]


def save_path(engine: sa.Engine, pairs: list[tuple[StoredClause, AnalysisResult]]) -> None:
    """The library's save path: ``persist.save_result`` per analysis, as a run does."""
    with engine.begin() as conn:
        for clause, result in pairs:
            save_result(conn, result, clause_pk=clause.pk)


def bulk_path(engine: sa.Engine, pairs: list[tuple[StoredClause, AnalysisResult]]) -> None:
    """The same rows as ``save_path``, inserted in chunks (see the module docstring)."""
    rules = load_flag_rules()
    with engine.connect() as conn:
        first = (
            int(
                conn.execute(
                    sa.select(sa.func.coalesce(sa.func.max(t.analyses.c.id), 0))
                ).scalar_one()
            )
            + 1
        )
    rows = []
    by_sha: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for pk, (clause, result) in enumerate(pairs, start=first):
        row = {**_row_values(result, clause.pk, None), "id": pk}
        rows.append((clause, row))
        if row["status"] == "valid" and row["analysis"]:
            by_sha[clause.sha].append((row["analyzer"], row["analysis"]))
    flags: list[dict[str, Any]] = []
    for clause, row in rows:
        found = rules.evaluate(_subject(clause, row, by_sha[clause.sha]))
        row["top_priority"] = min((f.priority for f in found), default=t.NO_FLAG_PRIORITY)
        flags += [
            {"analysis_pk": row["id"], "code": f.code, "priority": f.priority, "reason": f.reason}
            for f in found
        ]
    with engine.begin() as conn:
        for chunk in _chunks([row for _, row in rows], 5000):
            conn.execute(t.analyses.insert(), chunk)
        for chunk in _chunks(flags, 5000):
            conn.execute(t.flags.insert(), chunk)
        place_analyses(conn, [row["id"] for _, row in rows])  # as save_results does


def _subject(
    clause: StoredClause, row: dict[str, Any], same_text: list[tuple[str, dict[str, Any]]]
) -> FlagSubject:
    """What ``review.flags._subject`` builds for this row, from memory instead of the store."""
    return FlagSubject(
        analysis_pk=row["id"],
        status=row["status"],
        analyzer=row["analyzer"],
        model=row["model"],
        error=row["error"],
        analysis=row["analysis"],
        provenance=row["provenance"],
        input_truncated=bool(row["input_truncated"]),
        truncation_reason=clause.truncation_reason,
        triaged_out=bool(row["triaged_out"]),
        triage_reason=row["triage_reason"],
        cut_off_reason=clause.cut_off_reason,
        partners=[(name, a) for name, a in same_text if name != row["analyzer"]],
    )


def _chunks(items: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def decide(engine: sa.Engine, share: float, rng: random.Random) -> Counter[str]:
    """Approve, reject or edit (severity) a share of the valid analyses, through the library."""
    a = t.analyses.c
    with engine.connect() as conn:
        pks = list(
            conn.execute(sa.select(a.id).where(a.status == "valid").order_by(a.id)).scalars()
        )
    done: Counter[str] = Counter()
    for pk in rng.sample(pks, int(len(pks) * share)):
        action = rng.choice(("approve", "reject", "edit"))
        if action == "approve":
            review.approve(engine, pk, "bench-analyst")
        elif action == "reject":
            review.reject(engine, pk, "bench-analyst", "SYNTHETIC rejection")
        else:
            severity = (review.get_item(engine, pk).analysis or {}).get("severity")
            other = next(level for level in LEVELS if level != severity)
            review.edit(engine, pk, "bench-analyst", {"severity": other})
        done[action] += 1
    return done


def build(url: str, folder: Path, analyses: int, via: Callable[..., None]) -> sa.Engine:
    """A store of ``analyses`` analyses (two a clause), saved ``via`` one of the two paths."""
    settings = load_settings({"db_url": url})
    engine = open_store(url)
    ingest_documents(engine, settings, folder, analyses // 2)
    rng = random.Random(12)
    clauses = stored_clauses(engine, analyses // 2)
    for start in range(0, len(clauses), 5000):  # a clause's two analyses in the same chunk
        chunk = clauses[start : start + 5000]
        via(engine, [(c, result) for c in chunk for result in results_for(c, rng)])
    return engine


def spread_uniqueness(engine: sa.Engine) -> None:
    """``similar_platforms`` as a run's comparison leaves it, without the comparison (the
    SYNTHETIC sections are near copies of each other): 0 to 9 other platforms, one analysis in
    ten not compared (NULL), spread by id."""
    a = t.analyses.c
    spread = sa.case((a.id % 10 == 0, sa.null()), else_=(a.id * 7) % 10)
    with engine.begin() as conn:
        conn.execute(t.analyses.update().values(similar_platforms=spread))


def _rows(conn: sa.Connection) -> list[list[tuple[Any, ...]]]:
    """The analyses rows, and the flags rows without their ids (a save renumbers them)."""
    f = t.flags.c
    return [
        [tuple(r) for r in conn.execute(sa.select(t.analyses).order_by(t.analyses.c.id))],
        [
            tuple(r)
            for r in conn.execute(
                sa.select(f.analysis_pk, f.code, f.priority, f.reason).order_by(
                    f.analysis_pk, f.code
                )
            )
        ],
    ]


def check_bulk_path(n: int) -> None:
    """Stop unless the bulk path and ``save_result`` give identical analyses and flags rows."""
    tables: list[list[Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, via in (("save", save_path), ("bulk", bulk_path)):
            folder = Path(tmp) / name
            folder.mkdir()
            engine = build(f"sqlite:///{folder / 'store.db'}", folder, n, via)
            with engine.connect() as conn:
                tables.append(_rows(conn))
            engine.dispose()
    if tables[0] != tables[1]:
        raise SystemExit("bulk path check FAILED: its rows differ from persist.save_result's")
    print(
        f"bulk path check: {len(tables[0][0])} analyses, {len(tables[0][1])} flags: "
        "rows identical to save_result's"
    )


# --- the old queue (baseline), as it was before the query layer -----------------------------


def _old_item_query() -> sa.Select[Any]:
    a, c, v, d = t.analyses.c, t.clauses.c, t.versions.c, t.documents.c
    by_sha = (
        sa.select(sa.func.max(c.id)).where(c.clause_sha256 == a.clause_sha256).scalar_subquery()
    )
    clause_pk = sa.func.coalesce(a.clause_pk, by_sha).label("the_clause_pk")
    inner = sa.select(t.analyses, clause_pk).subquery()
    return (
        sa.select(
            inner,
            c.heading_path,
            c.text.label("clause_text"),
            c.truncation_reason,
            d.entity,
            d.title.label("document_title"),
        )
        .select_from(inner)
        .outerjoin(t.clauses, c.id == inner.c.the_clause_pk)
        .outerjoin(t.versions, v.id == c.version_pk)
        .outerjoin(t.documents, d.id == v.document_pk)
        .order_by(inner.c.id)
    )


def _old_flags(conn: sa.Connection) -> dict[int, list[Flag]]:
    f = t.flags.c
    found: dict[int, list[Flag]] = defaultdict(list)
    for row in conn.execute(
        sa.select(f.analysis_pk, f.code, f.priority, f.reason).order_by(f.priority, f.code)
    ):
        found[row.analysis_pk].append(Flag(row.code, row.priority, row.reason))
    return found


def _standing_ids(rows: list[Any]) -> set[int]:
    """The id of the analysis that stands for each text, by ``standing_key`` in Python."""
    best: dict[str, Any] = {}
    for row in rows:
        if row.status != "valid" or row.review_status == "rejected":
            continue
        held = best.get(row.clause_sha256)
        if held is None or standing_key(row) < standing_key(held):
            best[row.clause_sha256] = row
    return {row.id for row in best.values()}


def _old_item(row: Any, flags: list[Flag], outranked: bool) -> review.QueueItem:
    analysis = row.reviewed_analysis or row.analysis or {}
    heading = list(row.heading_path or [])
    return review.QueueItem(
        analysis_pk=row.id,
        title=analysis.get("title") or " › ".join(heading) or f"analysis {row.id}",
        entity=row.entity,
        document_title=row.document_title,
        heading_path=heading,
        analyzer=row.analyzer,
        model=row.model,
        status=row.status,
        severity=analysis.get("severity"),
        confidence=analysis.get("confidence"),
        review_status=row.review_status,
        reviewed_by=row.reviewed_by,
        flags=flags,
        outranked=outranked,
        similar_platforms=row.similar_platforms,
    )


def _old_matches(
    item: review.QueueItem, filters: review.QueueFilter, with_flag: bool = True
) -> bool:
    return all(
        [
            filters.entity is None or item.entity == filters.entity,
            filters.severity is None or item.severity == filters.severity,
            filters.status is None or item.review_status == filters.status,
            not with_flag
            or filters.flag is None
            or any(f.code == filters.flag for f in item.flags),
        ]
    )


def old_first_page(
    engine: sa.Engine, filters: review.QueueFilter, limit: int
) -> tuple[list[int], dict[str, int]]:
    """The old ``list_queue`` + ``flag_counts``: load everything, filter and sort in Python."""
    with engine.connect() as conn:
        rows = conn.execute(_old_item_query()).all()
        flags = _old_flags(conn)
    standing = _standing_ids(rows)
    has_standing = {row.clause_sha256 for row in rows if row.id in standing}
    items = [
        _old_item(
            row,
            flags.get(row.id, []),
            row.id not in standing and row.clause_sha256 in has_standing,
        )
        for row in rows
    ]
    queue = sorted((i for i in items if _old_matches(i, filters)), key=review.QueueItem.sort_key)
    counts: Counter[str] = Counter()
    for item in items:
        if _old_matches(item, filters, with_flag=False):
            counts.update(f.code for f in item.flags)
    return [i.analysis_pk for i in queue[:limit]], dict(counts.most_common())


# --- timing ---------------------------------------------------------------------------------


def median_ms(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, result


def machine_load() -> str:
    load = os.getloadavg()[0]
    try:
        some = Path("/proc/pressure/cpu").read_text().split()[1].split("=")[1]
    except (OSError, IndexError):
        some = "?"
    return f"load {load:.1f}, CPU pressure {some}%"


def measure(
    engine: sa.Engine, label: str, filters: review.QueueFilter, args: argparse.Namespace
) -> str:
    def sql_page() -> list[int]:
        with engine.connect() as conn:
            return [r.analysis_pk for r in queries.queue_page(conn, filters, limit=args.limit)]

    page_ms, page = median_ms(sql_page, args.repeat)
    full_ms, full = median_ms(
        lambda: review.queue_page(engine, filters, limit=args.limit), args.repeat
    )
    base_ms, (base_page, base_counts) = median_ms(
        lambda: old_first_page(engine, filters, args.limit), args.baseline_repeat
    )
    same = page == base_page == [i.analysis_pk for i in full.items] and full.counts == base_counts
    if not same:
        raise SystemExit(f"{label}: the SQL page differs from the baseline's")
    return (
        f"| {label} | {full.total} | {page_ms:.1f} | {full_ms:.1f} | {base_ms:.0f} | "
        f"{base_ms / full_ms:.0f}x | {machine_load()} |"
    )


FILTERS = (
    ("pending (default)", review.QueueFilter(status="pending")),
    ("pending, entity", review.QueueFilter(entity=ENTITIES[1], status="pending")),
    (
        "pending, flag high_severity_unsure",
        review.QueueFilter(flag="high_severity_unsure", status="pending"),
    ),
    ("pending, severity high", review.QueueFilter(severity="high", status="pending")),
    ("any status", review.QueueFilter()),
)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--analyses", type=int, default=100_000)
    parser.add_argument("--limit", type=int, default=50, help="analyses a page")
    parser.add_argument("--repeat", type=int, default=7, help="timings of each SQL row")
    parser.add_argument("--baseline-repeat", type=int, default=3, help="timings of the baseline")
    parser.add_argument(
        "--check", type=int, default=400, help="analyses in the bulk-path check (0: skip)"
    )
    parser.add_argument("--share-reviewed", type=float, default=0.02)
    parser.add_argument("--store", type=Path, help="keep the store here (reused when it exists)")
    args = parser.parse_args(argv)

    if args.check:
        check_bulk_path(args.check)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.store or Path(tmp) / "queue.db"
        url = f"sqlite:///{path}"
        if path.exists():
            engine = open_store(url)
            print(f"reusing {path}")
        else:
            start = time.perf_counter()
            (Path(tmp) / "captures").mkdir()
            engine = build(url, Path(tmp) / "captures", args.analyses, bulk_path)
            done = decide(engine, args.share_reviewed, random.Random(7))
            spread_uniqueness(engine)
            print(
                f"built {path.name}: {args.analyses} SYNTHETIC analyses, decisions {dict(done)}, "
                f"in {time.perf_counter() - start:.0f} s"
            )
        with engine.connect() as conn:
            count = conn.execute(sa.select(sa.func.count()).select_from(t.analyses)).scalar_one()
        print(
            f"{count} analyses; first page of {args.limit}; {os.cpu_count()} CPUs; "
            f"machine before: {machine_load()}"
        )
        print(
            "| queue | matching | SQL page ms | SQL page+total+counts ms | baseline ms | ratio "
            "| machine after |"
        )
        print("|---|---|---|---|---|---|---|")
        for label, filters in FILTERS:
            print(measure(engine, label, filters, args), flush=True)
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
