"""Run: the main job. Ingest captures, find the clauses that need analysis, analyse them
concurrently, flag, store, and record the run.

``run`` is a library function: the CLI gives it paths, options and callbacks for progress, and
formats the ``RunSummary`` it returns. The Message Batches mode lives in ``pipeline.batches``.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import sqlalchemy as sa

from clauselens import analyzers
from clauselens.analyzers.backoff import Backoff
from clauselens.analyzers.base import Analyzer
from clauselens.config import Settings
from clauselens.pipeline.analyze.executor import Executor, Failure, Outcome
from clauselens.pipeline.analyze.work import Work, WorkItem, pending_work
from clauselens.pipeline.ingest.captures import CaptureOutcome, IngestReport, ingest
from clauselens.pipeline.runs import records as runs
from clauselens.pipeline.runs.ratelimit import RateLimiter
from clauselens.pipeline.versions.change_analysis import ChangeAnalysisReport
from clauselens.schemas import AnalysisResult, Usage
from clauselens.schemas.runs import RunStatus
from clauselens.store import tables as t
from clauselens.store.queries.pending import AnalyzerKey

log = logging.getLogger(__name__)

Via = Literal["messages", "batches"]


@dataclass(frozen=True)
class RunOptions:
    analyzer: str = "auto"
    model: str | None = None
    concurrency: int | None = None
    rpm: int | None = None
    tpm: int | None = None
    via: Via = "messages"
    triage: bool = False


@dataclass
class RunSummary:
    run_id: str
    analyzer: str
    model: str
    prompt_version: str
    status: RunStatus
    analyzer_note: str
    counts: dict[str, int]
    usage: Usage
    cost_usd: float
    failures: list[Failure] = field(default_factory=list)
    failed_captures: list[CaptureOutcome] = field(default_factory=list)
    fatal: str | None = None
    batch_ids: list[str] = field(default_factory=list)

    @property
    def exit_status(self) -> int:
        return 0 if self.status in ("succeeded", "waiting") else 1


@dataclass
class Callbacks:
    on_start: Callable[[int], None] | None = None
    on_result: Callable[[WorkItem, AnalysisResult], None] | None = None


def effective_settings(settings: Settings, options: RunOptions) -> Settings:
    update = {
        k: v
        for k, v in (
            ("model", options.model),
            ("concurrency", options.concurrency),
            ("rpm", options.rpm),
            ("tpm", options.tpm),
        )
        if v is not None
    }
    return settings.model_copy(update=update) if update else settings


def _triage_hook(
    analyzer: Analyzer, enabled: bool, threshold: float
) -> Callable[[WorkItem], AnalysisResult | None] | None:
    """With ``--triage`` on a Claude run: clauses the offline analyzer finds nothing in keep
    their offline analysis (marked triaged out, with the reasons) and are not sent."""
    if not enabled or analyzer.name != "claude":
        return None
    from clauselens.analyzers.offline import triaged_result

    return lambda item: triaged_result(item.input, threshold)


def _triage_before_batches(
    engine: sa.Engine,
    items: list[WorkItem],
    hook: Callable[[WorkItem], AnalysisResult | None],
    run_id: str,
) -> list[WorkItem]:
    """Store the offline analysis of the clauses triage keeps from Claude; return the rest."""
    from clauselens.pipeline.analyze.persist import save_result

    sent = []
    for item in items:
        result = hook(item)
        if result is None:
            sent.append(item)
            continue
        with engine.begin() as conn:
            save_result(conn, result, clause_pk=item.clause_pk, run_id=run_id)
    return sent


def analyse_run_changes(engine: sa.Engine, run_id: str, settings: Settings) -> Outcome:
    """Change analyses for a finished batches run's versions, through the Messages API."""
    record = runs.get_run(engine, run_id)
    versions = [int(v) for v in record.options.get("versions", [])]
    analyzer = analyzers.build(record.analyzer, settings.model_copy(update={"model": record.model}))

    async def go() -> ChangeAnalysisReport:
        try:
            return await _analyse_changes(engine, analyzer, versions, settings)
        finally:
            await analyzer.aclose()

    changed = asyncio.run(go())
    outcome = Outcome(changes_analysed=changed.analysed, usage=changed.usage)
    outcome.cost_usd = changed.cost_usd
    outcome.failures = [Failure(pk, "(change analysis)", error) for pk, error in changed.failed]
    return outcome


def _flagged(engine: sa.Engine, run_id: str) -> int:
    a, f = t.analyses, t.flags
    with engine.connect() as conn:
        return int(
            conn.execute(
                sa.select(sa.func.count(sa.distinct(f.c.analysis_pk)))
                .join(a, a.c.id == f.c.analysis_pk)
                .where(a.c.run_id == run_id)
            ).scalar_one()
        )


def _counts(report: IngestReport, work: Work, outcome: Outcome, flagged: int) -> dict[str, int]:
    return {
        "captures": len(report.outcomes),
        "new_versions": report.count("new_version"),
        "clauses_seen": work.seen,
        "to_analyse": len(work.items),
        "analysed": outcome.analysed,
        "reused": work.reused,
        "headings": work.headings,
        "failed": len(outcome.failures),
        "flagged": flagged,
        "triaged": outcome.triaged,
        "change_analyses": outcome.changes_analysed,
        "failed_captures": len(report.failed),
    }


def _status(outcome: Outcome, report: IngestReport) -> RunStatus:
    if outcome.fatal is not None:
        return "failed"
    if outcome.failures or report.failed:
        return "partial"
    return "succeeded"


async def _analyse_changes(
    engine: sa.Engine, analyzer: Analyzer, version_pks: list[int], settings: Settings
) -> ChangeAnalysisReport:
    """A change analysis for each modified provision of the versions, with the run's analyzer
    (Claude's change prompt, or the offline estimate)."""
    from clauselens.pipeline.analyze.work import document_context_for
    from clauselens.pipeline.versions.change_analysis import analyze_changes

    total = ChangeAnalysisReport()
    for version_pk in version_pks:
        with engine.connect() as conn:
            document = document_context_for(conn, version_pk)
        report = await analyze_changes(
            engine,
            analyzer,
            version_pk,
            document=document,
            concurrency=settings.concurrency,
        )
        total.analysed += report.analysed
        total.skipped += report.skipped
        total.failed += report.failed
        total.usage += report.usage
        total.cost_usd += report.cost_usd
    return total


async def execute_items(
    engine: sa.Engine,
    analyzer: Analyzer,
    items: list[WorkItem],
    settings: Settings,
    options: RunOptions,
    run_id: str,
    callbacks: Callbacks,
    change_versions: list[int] | None = None,
) -> Outcome:
    executor = Executor(
        engine,
        analyzer,
        concurrency=settings.concurrency,
        limiter=RateLimiter(settings.rpm, settings.tpm),
        run_id=run_id,
        triage=_triage_hook(analyzer, options.triage, settings.triage_threshold),
        on_result=callbacks.on_result,
    )
    try:
        outcome = await executor.run(items)
        if change_versions and outcome.fatal is None:
            changed = await _analyse_changes(engine, analyzer, change_versions, settings)
            outcome.changes_analysed = changed.analysed
            outcome.usage += changed.usage
            outcome.cost_usd += changed.cost_usd
            outcome.failures += [
                Failure(change_pk, "(change analysis)", error)
                for change_pk, error in changed.failed
            ]
        return outcome
    finally:
        await analyzer.aclose()


def finish(
    engine: sa.Engine,
    run_id: str,
    key: AnalyzerKey,
    note: str,
    report: IngestReport,
    work: Work,
    outcome: Outcome,
) -> RunSummary:
    """Record how a run ended and return its summary."""
    status = _status(outcome, report)
    counts = _counts(report, work, outcome, _flagged(engine, run_id))
    runs.update_run(
        engine, run_id, status=status, counts=counts, usage=outcome.usage, cost_usd=outcome.cost_usd
    )
    return RunSummary(
        run_id=run_id,
        analyzer=key.analyzer,
        model=key.model,
        prompt_version=key.prompt_version,
        status=status,
        analyzer_note=note,
        counts=counts,
        usage=outcome.usage,
        cost_usd=outcome.cost_usd,
        failures=outcome.failures,
        failed_captures=report.failed,
        fatal=str(outcome.fatal) if outcome.fatal is not None else None,
    )


def run(
    engine: sa.Engine,
    paths: list[Path],
    settings: Settings,
    options: RunOptions,
    callbacks: Callbacks | None = None,
    env: Mapping[str, str] | None = None,
    ingest_options: Mapping[str, object] | None = None,
) -> RunSummary:
    """Take the captures under ``paths`` through every stage; see the module docstring."""
    callbacks = callbacks or Callbacks()
    settings = effective_settings(settings, options)
    name, note = analyzers.resolve(options.analyzer, os.environ if env is None else env)
    analyzer = analyzers.build(name, settings, Backoff())
    report = ingest(engine, paths, settings, ingest_options)
    key = AnalyzerKey(analyzer.name, analyzer.model, analyzer.prompt_version)
    run_id = runs.start_run(
        engine,
        analyzer=key.analyzer,
        model=key.model,
        prompt_version=key.prompt_version,
        via=options.via,
        options={
            **{k: v for k, v in vars(options).items() if v is not None},
            "versions": report.versions,
        },
        paths=[str(p) for p in paths],
    )
    with engine.connect() as conn:
        work = pending_work(conn, report.versions, key, settings)
    if options.via == "batches" and analyzer.name == "claude":
        from clauselens.pipeline.runs.batches import submit_run

        hook = _triage_hook(analyzer, options.triage, settings.triage_threshold)
        if hook is not None:
            work.items = _triage_before_batches(engine, work.items, hook, run_id)
        return submit_run(engine, run_id, analyzer, work, report, settings, note)
    if callbacks.on_start:
        callbacks.on_start(len(work.items))
    outcome = asyncio.run(
        execute_items(
            engine, analyzer, work.items, settings, options, run_id, callbacks, report.versions
        )
    )
    return finish(engine, run_id, key, note, report, work, outcome)
