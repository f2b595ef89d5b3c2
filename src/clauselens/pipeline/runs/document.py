"""Analyse one document: ``clauselens analyze PATH_OR_DOCUMENT [--clause N]``.

The clauses of a document's latest version (or one of them) go to the analyzer one at a time
and are stored, with a run record like any run (the messages transport, one request at a time,
ending in ``summary.finish``). A path is ingested first; anything else names a
stored document. Clauses with a valid analysis for the key are not sent again.

A path whose bytes are those of a capture already tracked under another document than its path
names is recognised: unless the caller names the document (``entity`` or ``title``), that
document is analysed, nothing is ingested, and ``DocumentAnalysis.recognised`` says so (without
it, a file named differently from the one first ingested would become a second document with
the same SHA-256).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from clauselens.analyzers.base import ClauseInput
from clauselens.config import Settings
from clauselens.errors import ClauselensError, UsageError
from clauselens.pipeline.analyze.persist import AnalysisKey
from clauselens.pipeline.analyze.work import Work, WorkItem, clause_inputs
from clauselens.pipeline.ingest.captures import IngestReport, document_id_for, ingest
from clauselens.pipeline.ingest.manifest import infer_from_path
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
    capture_with_content,
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
    recognised: str | None = None  # the path's bytes are a tracked capture's: which (module doc)


def _latest_version(conn: sa.Connection, document_pk: int) -> int:
    latest = latest_version(conn, document_pk)
    if latest is None:
        raise UsageError(f"{document_by_pk(conn, document_pk).document_id} has no version yet")
    return latest.pk


@dataclass(frozen=True)
class _Target:
    version_pk: int
    document_id: str
    report: IngestReport
    recognised: str | None = None


def _tracked_elsewhere(engine: sa.Engine, path: Path, settings: Settings) -> _Target | None:
    """The document that tracks a capture with the same bytes as ``path``, when it is not the
    one the path names (module docstring)."""
    if not path.is_file() or path.stat().st_size > settings.max_capture_bytes:
        return None  # ingest says why
    with path.open("rb") as fh:
        digest = hashlib.file_digest(fh, "sha256").hexdigest()
    inferred = infer_from_path(path)
    with engine.connect() as conn:
        capture = capture_with_content(conn, digest)
        if capture is None:
            return None
        doc = document_by_pk(conn, capture.document_pk)
        if doc.document_id == document_id_for(inferred.entity, inferred.title):
            return None  # the document the path names: ingested as usual
        version_pk = _latest_version(conn, doc.pk)
    note = (
        f"{path}: same bytes (SHA-256 {digest[:12]}...) as a capture of {doc.document_id} "
        f"({doc.entity} / {doc.title}) captured {capture.captured_at:%Y-%m-%d %H:%M} UTC; "
        f"analysing {doc.document_id}, not tracking the file again as "
        f"{inferred.entity} / {inferred.title} (give --entity and --title to do that)"
    )
    return _Target(version_pk, doc.document_id, IngestReport(), note)


def _names_document(ingest_options: Mapping[str, object] | None) -> bool:
    return any((ingest_options or {}).get(k) for k in ("entity", "title"))


def _target_version(
    engine: sa.Engine, ref: str, settings: Settings, ingest_options: Mapping[str, object] | None
) -> _Target:
    """A path is ingested first (unless it is a tracked capture: module docstring); anything
    else names a stored document (its latest version)."""
    path = Path(ref)
    if path.exists():
        if not _names_document(ingest_options):
            tracked = _tracked_elsewhere(engine, path, settings)
            if tracked is not None:
                return tracked
        report = ingest(engine, [path], settings, ingest_options)
        if report.failed or not report.versions:
            reason = report.failed[0].message if report.failed else "no capture found"
            raise ClauselensError(f"{ref}: {reason}")
        with engine.connect() as conn:
            doc_pk = version_by_pk(conn, report.versions[-1]).document_pk
            document = document_by_pk(conn, doc_pk)
            return _Target(_latest_version(conn, doc_pk), document.document_id, report)
    with engine.connect() as conn:
        doc = find_document(conn, ref)
        return _Target(_latest_version(conn, doc.pk), doc.document_id, IngestReport())


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
    target = _target_version(engine, ref, settings, ingest_options)
    version_pk, report = target.version_pk, target.report
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
    return DocumentAnalysis(summary, target.document_id, version_pk, listed, target.recognised)


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
