"""Planning a run: the analyzer, the captures ingested, the run record opened, the work found.

``plan_run`` does every step with a side effect before the first request: it records runs whose
process died as interrupted and ends their claims (``summary.reap_dead_runs``), resolves the
analyzer (``RunOptions.analyzer``, else ``Settings.analyzer``: explicit > ``CLAUSELENS_ANALYZER``
> config file > ``auto``), ingests, starts the run record and records the plan's counts on it
(captures, new versions, clauses seen, to analyse, reused, heading-only, failed captures), so
that ``summary.finish`` and a killed run's record read them from the store. A transport
(``messages`` or ``batches``) then takes the ``RunPlan``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa

from clauselens import analyzers
from clauselens.analyzers.backoff import Backoff
from clauselens.analyzers.base import Analyzer
from clauselens.config import Settings
from clauselens.pipeline.analyze.work import Work, WorkItem, pending_work
from clauselens.pipeline.ingest.captures import IngestReport, ingest
from clauselens.pipeline.runs import records
from clauselens.pipeline.runs.summary import reap_dead_runs
from clauselens.schemas import AnalysisResult, Usage
from clauselens.store.queries.pending import AnalyzerKey

Via = Literal["messages", "batches"]


@dataclass(frozen=True)
class RunOptions:
    analyzer: str | None = None  # auto | claude | offline; None: Settings.analyzer
    model: str | None = None
    concurrency: int | None = None
    rpm: int | None = None
    tpm: int | None = None
    via: Via = "messages"
    triage: bool = False


@dataclass
class RunPlan:
    """A run started and planned, ready for a transport."""

    engine: sa.Engine
    run_id: str
    analyzer: Analyzer
    note: str
    settings: Settings
    options: RunOptions
    work: Work
    report: IngestReport = field(default_factory=IngestReport)
    versions: list[int] = field(default_factory=list)  # whose changes the run analyses
    via: Via = "messages"  # the transport (``run.TRANSPORTS``)

    @property
    def key(self) -> AnalyzerKey:
        return AnalyzerKey(self.analyzer.name, self.analyzer.model, self.analyzer.prompt_version)


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


def analyzer_choice(settings: Settings, options: RunOptions) -> str:
    """The analyzer asked for: the option, else ``Settings.analyzer``."""
    return options.analyzer or settings.analyzer


def build_analyzer(
    settings: Settings, options: RunOptions, env: Mapping[str, str] | None
) -> tuple[Analyzer, str]:
    """The run's analyzer and the line that says which and why."""
    choice = analyzer_choice(settings, options)
    name, note = analyzers.resolve(choice, os.environ if env is None else env)
    return analyzers.build(name, settings, Backoff()), note


def sends_batches(analyzer: Analyzer, options: RunOptions) -> bool:
    """Batches were asked for and the analyzer builds Message Batches requests (Claude does;
    the offline analyzer makes no request, so its run goes the messages way)."""
    return options.via == "batches" and hasattr(analyzer, "build_request")


def plan_counts(report: IngestReport, work: Work) -> dict[str, int]:
    return {
        "captures": len(report.outcomes),
        "new_versions": report.count("new_version"),
        "failed_captures": len(report.failed),
        "clauses_seen": work.seen,
        "to_analyse": len(work.items),
        "reused": work.reused,
        "headings": work.headings,
    }


def open_run(
    engine: sa.Engine,
    analyzer: Analyzer,
    *,
    via: Via,
    options: dict[str, Any],
    paths: list[str],
) -> str:
    """Start the run record (status ``running``)."""
    return records.start_run(
        engine,
        analyzer=analyzer.name,
        model=analyzer.model,
        prompt_version=analyzer.prompt_version,
        via=via,
        options=options,
        paths=paths,
    )


def record_plan(engine: sa.Engine, run_id: str, report: IngestReport, work: Work) -> None:
    """Put the plan's counts on the running run's record."""
    counts = {**records.get_run(engine, run_id).counts, **plan_counts(report, work)}
    records.update_run(
        engine,
        run_id,
        status="running",
        counts=counts,
        usage=Usage(),
        cost_usd=0.0,
        finished=False,
    )


def plan_run(
    engine: sa.Engine,
    paths: list[Path],
    settings: Settings,
    options: RunOptions,
    env: Mapping[str, str] | None = None,
    ingest_options: Mapping[str, object] | None = None,
    ingested: IngestReport | None = None,
) -> RunPlan:
    """Dead runs, analyzer, ingest, run record, work (module docstring). ``ingested``: the
    captures were ingested already (a sync): the run goes on with the versions it names."""
    reap_dead_runs(engine)
    settings = effective_settings(settings, options)
    analyzer, note = build_analyzer(settings, options, env)
    report = ingested if ingested is not None else ingest(engine, paths, settings, ingest_options)
    via: Via = "batches" if sends_batches(analyzer, options) else "messages"
    recorded = {k: v for k, v in vars(options).items() if v is not None}
    run_id = open_run(
        engine,
        analyzer,
        via=via,
        options={**recorded, "versions": report.versions},
        paths=[str(p) for p in paths],
    )
    plan = RunPlan(engine, run_id, analyzer, note, settings, options, Work(), report)
    plan.versions, plan.via = list(report.versions), via
    with engine.connect() as conn:
        plan.work = pending_work(conn, report.versions, plan.key, settings)
    record_plan(engine, run_id, report, plan.work)
    return plan


def triage_hook(plan: RunPlan) -> Callable[[WorkItem], AnalysisResult | None] | None:
    """With ``--triage`` on a Claude run: clauses the offline analyzer finds nothing in keep
    their offline analysis (marked triaged out, with the reasons) and are not sent."""
    return triage_for(plan.analyzer.name, plan.options.triage, plan.settings)


def triage_for(
    analyzer: str, triage: bool, settings: Settings
) -> Callable[[WorkItem], AnalysisResult | None] | None:
    """``triage_hook`` from its parts (a worker has the run's record, not its plan)."""
    if not triage or analyzer != "claude":
        return None
    from clauselens.analyzers.offline import triaged_result

    threshold = settings.triage_threshold
    return lambda item: triaged_result(item.input, threshold)
