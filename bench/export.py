"""Benchmark: export throughput and peak memory, 10,000 vs 100,000 synthetic records.

Usage: python bench/export.py [--sizes 10000,100000] [--workdir DIR]

Data. SYNTHETIC: a store filled directly with ``executemany`` (no ingest, no analyzer): 100
clauses a document (so 100 documents for 10k records, 1,000 for 100k), 20 entities, one
version each; each
clause ~450 characters of generated text, one valid offline-shaped analysis per clause (a fixed
synthetic ``ClauseAnalysis`` with the clause's own first sentence as its evidence quote) and a
flag on every third one. Nothing here is real policy text or model output.

Method. Each measurement runs in a fresh child process (so peak RSS is that export's alone) and
writes to ``os.devnull``: the time to stream every record (records/second, without tracing;
also per CPU-second, which a busy machine disturbs less), the
peak of Python allocations during the export (``tracemalloc``, a second run) and the growth of
the process's peak RSS (``ru_maxrss``) over its value just before the export.
Methods (same run): ``jsonl`` and ``json`` are ``write_export``; the baseline ``list+dumps`` is
the naive export (materialise every record as a dict, then ``json.dump`` the list), whose memory
grows with the record count. JSONL and JSON peak memory should stay flat from 10k to 100k: it
is bounded by one chunk of one document's clauses, plus one small header per document (the
document list is read up front to be sorted), which is the ~1 MB that 1,000 documents add over
100. The similarity stage is turned off (``cross_platform=False``): this measures the export,
not the building of a similarity index over 100,000 synthetic provisions.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from clauselens.export import EXPORT_SCHEMA_VERSION, iter_records, write_export
from clauselens.pipeline.ingest.captures import document_id_for
from clauselens.pipeline.versions.align import provision_id_for
from clauselens.store import open_store
from clauselens.store import tables as t

CLAUSES_PER_DOCUMENT = 100
ENTITIES = 20
AT = datetime(2026, 9, 1, tzinfo=UTC)
METHODS = ("jsonl", "json", "list+dumps")


def synthetic_text(i: int) -> str:
    return (
        f"Synthetic clause {i}. The provider may change these terms at any time by posting a "
        f"revised version, and continued use after notice {i % 97} means acceptance. "
        "Users may close their account at any time; the provider keeps backups for thirty "
        "days and then deletes them, except where the law requires a longer retention period. "
        "Disputes are resolved by binding arbitration unless the user opts out within thirty "
        "days of first accepting these terms."
    )


def synthetic_analysis(text: str) -> dict[str, Any]:
    return {
        "title": "Synthetic unilateral change clause",
        "summary": "SYNTHETIC. The provider may change the terms by posting a new version.",
        "why_it_matters": "SYNTHETIC. Users are bound by changes they may not have read.",
        "consumer_impact": "SYNTHETIC. Continued use counts as acceptance of new terms.",
        "institutional_analysis": {
            "regulatory_landscape": "SYNTHETIC. FTC Act s.5; EU Unfair Contract Terms Directive.",
            "governance_exposure": {"level": "medium", "rationale": "SYNTHETIC rationale."},
            "jurisdiction_flags": [{"jurisdiction": "EU", "note": "SYNTHETIC note."}],
            "contract_and_vendor_implications": "SYNTHETIC implications.",
            "compliance_considerations": "SYNTHETIC considerations.",
        },
        "applicable_agencies": [
            {"name": "Federal Trade Commission", "jurisdiction": "US", "authority": "FTC Act s.5"}
        ],
        "severity": "medium",
        "confidence": "low",
        "confidence_rationale": "SYNTHETIC: offline-shaped analysis.",
        "evidence_type": "explicit_language",
        "evidence_quotes": [text.split(". ")[1] + "."],
        "categories": ["unilateral_change"],
        "truncation_note": None,
    }


def _provenance() -> dict[str, Any]:
    return {
        "analyzer": "offline",
        "model": "offline-synthetic",
        "prompt_id": "clause-analysis",
        "prompt_version": "synthetic",
        "generated_at": AT.isoformat(),
    }


def _document_rows(conn: sa.Connection, n: int) -> None:
    per_doc = CLAUSES_PER_DOCUMENT
    for d in range(max(1, n // per_doc)):
        entity, title = f"Synthetic Entity {d % ENTITIES:02d}", f"Synthetic Terms {d:03d}"
        raw = f"synthetic capture {d}".encode()
        digest = hashlib.sha256(raw).hexdigest()
        conn.execute(
            t.documents.insert(),
            [
                {
                    "id": d + 1,
                    "document_id": document_id_for(entity, title),
                    "entity": entity,
                    "title": title,
                    "terms_type": "Terms of Service",
                    "first_tracked": AT,
                    "last_verified": AT,
                }
            ],
        )
        conn.execute(t.blobs.insert(), [{"sha256": digest, "size": len(raw), "data": raw}])
        conn.execute(
            t.versions.insert(),
            [
                {
                    "id": d + 1,
                    "document_pk": d + 1,
                    "capture_pk": d + 1,
                    "captured_at": AT,
                    "text": "SYNTHETIC (clauses only)",
                    "text_sha256": digest,
                    "extractor": "synthetic",
                }
            ],
        )
        conn.execute(
            t.captures.insert(),
            [
                {
                    "id": d + 1,
                    "document_pk": d + 1,
                    "content_sha256": digest,
                    "format": "text",
                    "captured_at": AT,
                    "source_url": f"https://example.invalid/synthetic/{d}",
                    "metadata_source": "synthetic",
                    "text_sha256": digest,
                    "version_pk": d + 1,
                    "ingested_at": AT,
                }
            ],
        )
        _clause_rows(conn, d, per_doc, document_id_for(entity, title))


def _clause_rows(conn: sa.Connection, d: int, per_doc: int, document_id: str) -> None:
    provisions, clauses, analyses, flags = [], [], [], []
    for j in range(per_doc):
        i = d * per_doc + j
        text = synthetic_text(i)
        sha = hashlib.sha256(text.encode()).hexdigest()
        provisions.append(
            {
                "id": i + 1,
                "provision_id": provision_id_for(document_id, sha, 0),
                "document_pk": d + 1,
                "first_version_pk": d + 1,
            }
        )
        clauses.append(
            {
                "id": i + 1,
                "version_pk": d + 1,
                "idx": j,
                "heading_path": [f"Section {j // 10}", f"Clause {j}"],
                "text": text,
                "start": 0,
                "end": len(text),
                "clause_sha256": sha,
                "provision_pk": i + 1,
            }
        )
        analyses.append(
            {
                "id": i + 1,
                "clause_sha256": sha,
                "analyzer": "offline",
                "model": "offline-synthetic",
                "prompt_version": "synthetic",
                "status": "valid",
                "analysis": synthetic_analysis(text),
                "provenance": _provenance(),
                "severity": "medium",
                "confidence": "low",
                "review_status": "pending",
                "clause_pk": i + 1,
                "generated_at": AT,
            }
        )
        if i % 3 == 0:
            flags.append(
                {"analysis_pk": i + 1, "code": "offline", "priority": 5, "reason": "SYNTHETIC"}
            )
    for table, rows in (
        (t.provisions, provisions),
        (t.clauses, clauses),
        (t.analyses, analyses),
        (t.flags, flags),
    ):
        if rows:
            conn.execute(table.insert(), rows)


def build_store(path: Path, n: int) -> float:
    started = time.perf_counter()
    engine = open_store(f"sqlite:///{path}")
    with engine.begin() as conn:
        _document_rows(conn, n)
    engine.dispose()
    return time.perf_counter() - started


def _export(url: str, method: str) -> int:
    with open(os.devnull, "wb") as sink:
        if method == "list+dumps":
            records = [r.model_dump(mode="json") for r in iter_records(url, cross_platform=False)]
            doc = {"schema_version": EXPORT_SCHEMA_VERSION, "generated_at": "", "records": records}
            sink.write(json.dumps(doc, ensure_ascii=False).encode())
            return len(records)
        return write_export(url, method, sink, generated_at=AT, cross_platform=False).exported


def child(url: str, method: str, trace: bool) -> None:
    """One measurement in this (fresh) process; prints a JSON line."""
    engine = open_store(url)  # migrations and imports before the baseline
    engine.dispose()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if trace:
        tracemalloc.start()
    started, cpu_started = time.perf_counter(), time.process_time()
    count = _export(url, method)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    peak = tracemalloc.get_traced_memory()[1] if trace else 0
    rss_growth_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    print(
        json.dumps(
            {"count": count, "seconds": seconds, "cpu": cpu, "peak": peak, "rss_kb": rss_growth_kb}
        )
    )


def measure(url: str, method: str, trace: bool) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", url, method, *(["--trace"] if trace else [])],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--child", nargs=2, metavar=("URL", "METHOD"), help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.trace)
        return
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="clauselens-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    print(
        f"SYNTHETIC stores in {workdir}; {CLAUSES_PER_DOCUMENT} clauses a document; "
        "output to os.devnull"
    )
    rows = []
    for n in sizes:
        path = workdir / f"export-{n}.db"
        path.unlink(missing_ok=True)
        built = build_store(path, n)
        print(
            f"built {n:,} synthetic records in {built:.1f} s ({path.stat().st_size / 1e6:.0f} MB)"
        )
        for method in METHODS:
            timed = measure(f"sqlite:///{path}", method, trace=False)
            traced = measure(f"sqlite:///{path}", method, trace=True)
            rows.append((n, method, timed, traced))
    print()
    print(
        f"{'records':>9} {'method':<11} {'rec/s':>8} {'seconds':>8} {'rec/CPU-s':>10} "
        f"{'py peak MB':>11} {'RSS growth MB':>14}"
    )
    for n, method, timed, traced in rows:
        assert timed["count"] == n, (n, method, timed)
        print(
            f"{n:>9,} {method:<11} {n / timed['seconds']:>8,.0f} {timed['seconds']:>8.1f} "
            f"{n / timed['cpu']:>10,.0f} {traced['peak'] / 1e6:>11.1f} "
            f"{timed['rss_kb'] / 1024:>14.1f}"
        )
    peaks = {(n, m): traced["peak"] for n, m, _, traced in rows}
    if len(sizes) >= 2:
        small, large = min(sizes), max(sizes)
        print()
        for method in METHODS:
            ratio = peaks[(large, method)] / peaks[(small, method)]
            print(f"{method:<11} peak memory {large:,} / {small:,} records: x{ratio:.2f}")


if __name__ == "__main__":
    main()
