"""Analyse one document: ``clauselens analyze PATH_OR_DOCUMENT [--clause N]``.

The clauses of a document's latest version (or one of them) go to the analyzer one at a time
and are stored, with a run record like any run (the messages transport, one request at a time,
ending in ``summary.finish``). A path is ingested first; anything else names a
stored document. Clauses with a valid analysis for the key are not sent again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from clauselens.analyzers.base import ClauseInput
from clauselens.config import Settings
from clauselens.errors import ClauselensError, UsageError
from clauselens.pipeline.analyze.persist import AnalysisKey
from clauselens.pipeline.analyze.work import Work, WorkItem, clause_inputs
from clauselens.pipeline.ingest.captures import IngestReport, ingest
from clauselens.pipeline.runs import messages
from clauselens.pipeline.runs._sync import no_running_loop
from clauselens.pipeline.runs.plan import (
    RunOptions,
    RunPlan,
    build_analyzer,
    effective_settings,
    open_run,
    record_plan,
)
from clauselens.pipeline.runs.summary import Callbacks, RunSummary, reap_dead_runs
from clauselens.pipeline.segment.clauses import heading_only
from clauselens.store import tables as t
from clauselens.store.queries import (
    document_by_pk,
    find_document,
    latest_version,
    version_by_pk,
)
from clauselens.store.queries.pending import (
    AnalyzerKey,
    Verdict,
    done_keys,
    synthetic_done,
    verdict,
)


@dataclass
class DocumentAnalysis:
    """What ``analyze_document`` did: the run summary and each clause's stored analysis id."""

    summary: RunSummary
    document_id: str
    version_pk: int
    clauses: list[tuple[int, str, int | None]]  # (clause index, heading, analysis pk)


def _latest_version(conn: sa.Connection, document_pk: int) -> int:
    latest = latest_version(conn, document_pk)
    if latest is None:
        raise UsageError(f"{document_by_pk(conn, document_pk).document_id} has no version yet")
    return latest.pk


def _target_version(
    engine: sa.Engine, ref: str, settings: Settings, ingest_options: Mapping[str, object] | None
) -> tuple[int, str, IngestReport]:
    """A path is ingested first; anything else names a stored document (its latest version)."""
    report = IngestReport()
    path = Path(ref)
    if path.exists():
        report = ingest(engine, [path], settings, ingest_options)
        if report.failed or not report.versions:
            reason = report.failed[0].message if report.failed else "no capture found"
            raise ClauselensError(f"{ref}: {reason}")
        with engine.connect() as conn:
            doc_pk = version_by_pk(conn, report.versions[-1]).document_pk
            document = document_by_pk(conn, doc_pk)
            return _latest_version(conn, doc_pk), document.document_id, report
    with engine.connect() as conn:
        doc = find_document(conn, ref)
        return _latest_version(conn, doc.pk), doc.document_id, report


def _document_work(
    engine: sa.Engine,
    inputs: list[tuple[int, ClauseInput]],
    version_pk: int,
    key: AnalyzerKey,
    settings: Settings,
) -> Work:
    """The clauses to send (the rule of ``store.queries.pending``; every clause is needed)."""
    with engine.connect() as conn:
        done = done_keys(conn, key, synthetic=synthetic_done(settings.base_url))
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
    return work


def _selected(
    engine: sa.Engine, version_pk: int, settings: Settings, clause_index: int | None
) -> tuple[list[tuple[int, ClauseInput]], dict[int, int]]:
    """The version's clause inputs (or the one at ``clause_index``) and each clause's index."""
    c = t.clauses.c
    with engine.connect() as conn:
        inputs = clause_inputs(conn, version_pk, settings)
        rows = conn.execute(sa.select(c.id, c.idx).where(c.version_pk == version_pk)).all()
    index_of = {int(pk): int(idx) for pk, idx in rows}
    if clause_index is not None:
        inputs = [(pk, ci) for pk, ci in inputs if index_of[pk] == clause_index]
        if not inputs:
            raise UsageError(f"the document has no clause {clause_index}")
    return inputs, index_of


async def aanalyze_document(
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
    reap_dead_runs(engine)
    settings = effective_settings(settings, options).model_copy(update={"concurrency": 1})
    analyzer, note = build_analyzer(settings, options, env)
    version_pk, document_id, report = _target_version(engine, ref, settings, ingest_options)
    inputs, index_of = _selected(engine, version_pk, settings, clause_index)
    key = AnalyzerKey(analyzer.name, analyzer.model, analyzer.prompt_version)
    work = _document_work(engine, inputs, version_pk, key, settings)
    run_id = open_run(
        engine,
        analyzer,
        via="messages",
        options={"command": "analyze", "ref": ref, "clause": clause_index},
        paths=[ref],
    )
    record_plan(engine, run_id, report, work)
    plan = RunPlan(engine, run_id, analyzer, note, settings, options, work, report)
    summary = await messages.send(plan, callbacks or Callbacks())
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
    """``aanalyze_document`` from synchronous code (not inside a running event loop)."""
    no_running_loop("analyze_document", "aanalyze_document")
    return asyncio.run(
        aanalyze_document(
            engine, ref, settings, options, clause_index, callbacks, env, ingest_options
        )
    )
