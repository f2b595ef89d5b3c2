"""Analyse one document: ``clauselens analyze PATH_OR_DOCUMENT [--clause N]``.

The clauses of a document's latest version (or one of them) go to the analyzer one at a time
and are stored, with a run record like any run. A path is ingested first; anything else names a
stored document. Clauses with a valid analysis for the key are not sent again.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from clauselens import analyzers
from clauselens.analyzers.backoff import Backoff
from clauselens.config import Settings
from clauselens.errors import ClauselensError, UsageError
from clauselens.pipeline.analyze.persist import AnalysisKey
from clauselens.pipeline.analyze.work import Work, WorkItem, clause_inputs
from clauselens.pipeline.ingest.captures import IngestReport, ingest
from clauselens.pipeline.runs import records as runs
from clauselens.pipeline.runs.run import (
    Callbacks,
    RunOptions,
    RunSummary,
    effective_settings,
    execute_items,
    finish,
)
from clauselens.pipeline.segment.clauses import heading_only
from clauselens.store import tables as t
from clauselens.store.queries.pending import AnalyzerKey, Verdict, done_keys, verdict


@dataclass
class DocumentAnalysis:
    """What ``analyze_document`` did: the run summary and each clause's stored analysis id."""

    summary: RunSummary
    document_id: str
    version_pk: int
    clauses: list[tuple[int, str, int | None]]  # (clause index, heading, analysis pk)


def _latest_version(conn: sa.Connection, document_pk: int) -> int:
    v = t.versions.c
    return int(
        conn.execute(
            sa.select(v.id)
            .where(v.document_pk == document_pk)
            .order_by(v.captured_at.desc(), v.id.desc())
            .limit(1)
        ).scalar_one()
    )


def _target_version(
    engine: sa.Engine, ref: str, settings: Settings, ingest_options: Mapping[str, object] | None
) -> tuple[int, str, IngestReport]:
    """A path is ingested first; anything else names a stored document (its latest version)."""
    from clauselens.pipeline.versions.compare import find_document

    report = IngestReport()
    path = Path(ref)
    if path.exists():
        report = ingest(engine, [path], settings, ingest_options)
        if report.failed or not report.versions:
            reason = report.failed[0].message if report.failed else "no capture found"
            raise ClauselensError(f"{ref}: {reason}")
        version_pk = report.versions[-1]
        with engine.connect() as conn:
            doc_pk = conn.execute(
                sa.select(t.versions.c.document_pk).where(t.versions.c.id == version_pk)
            ).scalar_one()
            version_pk = _latest_version(conn, int(doc_pk))
            document_id = conn.execute(
                sa.select(t.documents.c.document_id).where(t.documents.c.id == doc_pk)
            ).scalar_one()
        return version_pk, str(document_id), report
    with engine.connect() as conn:
        doc = find_document(conn, ref)
        return _latest_version(conn, int(doc.id)), str(doc.document_id), report


def analyze_document(
    engine: sa.Engine,
    ref: str,
    settings: Settings,
    options: RunOptions,
    clause_index: int | None = None,
    callbacks: Callbacks | None = None,
    env: Mapping[str, str] | None = None,
    ingest_options: Mapping[str, object] | None = None,
) -> DocumentAnalysis:
    """Analyse the clauses of one document's latest version (or one clause), one at a time.

    ``ref`` is a capture path (ingested first) or a stored document (id, "Entity/Title" or a
    unique part of it). Clauses with a valid analysis for the key are not sent again.
    """
    callbacks = callbacks or Callbacks()
    settings = effective_settings(settings, options)
    name, note = analyzers.resolve(options.analyzer, os.environ if env is None else env)
    analyzer = analyzers.build(name, settings, Backoff())
    version_pk, document_id, report = _target_version(engine, ref, settings, ingest_options)
    key = AnalyzerKey(analyzer.name, analyzer.model, analyzer.prompt_version)
    c = t.clauses.c
    with engine.connect() as conn:
        inputs = clause_inputs(conn, version_pk, settings)
        rows = conn.execute(sa.select(c.id, c.idx).where(c.version_pk == version_pk)).all()
        index_of = {int(pk): int(idx) for pk, idx in rows}
    if clause_index is not None:
        inputs = [(pk, ci) for pk, ci in inputs if index_of[pk] == clause_index]
        if not inputs:
            raise UsageError(f"the document has no clause {clause_index}")
    with engine.connect() as conn:
        done = done_keys(conn, key)
    work = Work(seen=len(inputs))
    planned: set[str] = set()
    for pk, clause in inputs:
        found = verdict(
            clause.clause_sha256,
            heading=heading_only(clause.text),
            needed=True,  # asked for by name: every clause of the version
            done=done,
            planned=planned,
        )
        if found is Verdict.HEADING:
            work.headings += 1
        elif found is Verdict.SEND:
            planned.add(clause.clause_sha256)
            work.items.append(WorkItem(pk, version_pk, clause))
        else:
            work.reused += 1
    run_id = runs.start_run(
        engine,
        analyzer=key.analyzer,
        model=key.model,
        prompt_version=key.prompt_version,
        via="messages",
        options={"command": "analyze", "ref": ref, "clause": clause_index},
        paths=[ref],
    )
    if callbacks.on_start:
        callbacks.on_start(len(work.items))
    one_at_a_time = RunOptions(analyzer=options.analyzer, concurrency=1)
    outcome = asyncio.run(
        execute_items(
            engine,
            analyzer,
            work.items,
            settings.model_copy(update={"concurrency": 1}),
            one_at_a_time,
            run_id,
            callbacks,
        )
    )
    summary = finish(engine, run_id, key, note, report, work, outcome)
    with engine.connect() as conn:
        listed = [
            (
                index_of[pk],
                " > ".join(ci.heading_path) or "(no heading)",
                conn.execute(
                    sa.select(t.analyses.c.id).where(
                        AnalysisKey(
                            ci.clause_sha256, key.analyzer, key.model, key.prompt_version
                        ).where()
                    )
                ).scalar_one_or_none(),
            )
            for pk, ci in inputs
        ]
    return DocumentAnalysis(summary, document_id, version_pk, listed)
