"""How a run ends: one ``finish`` for every run, whichever way its requests travelled.

``finish`` counts from the store, never from what one process saw: the plan's counts recorded
when the run started (captures, clauses seen, to analyse, reused, heading-only, ...), then what
is stored under the run id (analysed, triaged, failed, flagged, change analyses, usage, cost;
``store.queries.runs``). So a messages run, a batches run collected in one go or by several
processes, a forgotten batch and one document's analysis report the same things the same way.

Status: ``failed`` on a fatal error, ``waiting`` while a batch is uncollected, ``interrupted``
when the run stopped before its end (``interrupted``: an exception or Ctrl-C in its process, or
its process found dead by ``reap_dead_runs``), ``partial`` when a clause, a change or a capture
failed or a batch was forgotten, else ``succeeded``. An interrupted run is recorded with what
it stored and spent, as any run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from clauselens.errors import ClauselensError
from clauselens.pipeline.analyze.claims import release_run
from clauselens.pipeline.analyze.work import WorkItem
from clauselens.pipeline.ingest.outcome import CaptureOutcome
from clauselens.pipeline.runs import records
from clauselens.schemas import AnalysisResult, Failure, RunStatus, Usage
from clauselens.store.queries.runs import RunTotals, run_batch_ids, run_totals

log = logging.getLogger(__name__)


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


def _status(
    totals: RunTotals,
    failures: int,
    counts: dict[str, int],
    fatal: str | None,
    interrupted: bool,
) -> RunStatus:
    if fatal is not None:
        return "failed"
    if totals.uncollected:
        return "waiting"
    if interrupted:
        return "interrupted"
    if failures or totals.forgotten or counts.get("failed_captures", 0):
        return "partial"
    return "succeeded"


def finish(
    engine: sa.Engine,
    run_id: str,
    *,
    note: str | None = None,
    failed_captures: Sequence[CaptureOutcome] = (),
    fatal: str | None = None,
    change_failures: Sequence[Failure] = (),
    counts: Mapping[str, int] | None = None,
    interrupted: bool = False,
) -> RunSummary:
    """Record how the run stands from the store and return its summary (module docstring).

    ``change_failures``: change analyses that failed in this process (a failed change analysis
    leaves its row empty, so the store cannot count it). ``counts``: what only this process
    knows, added to the run's (``claimed_elsewhere``: clauses left to another run)."""
    record = records.get_run(engine, run_id)
    with engine.connect() as conn:
        totals = run_totals(conn, run_id)
        batch_ids = run_batch_ids(conn, run_id)
    failures = [*totals.failures, *change_failures]
    counts = {**record.counts, **(counts or {}), **totals.counts(), "failed": len(failures)}
    status = _status(totals, len(failures), counts, fatal, interrupted)
    records.update_run(
        engine,
        run_id,
        status=status,
        counts=counts,
        usage=totals.usage,
        cost_usd=totals.cost_usd,
        finished=status not in ("waiting", "interrupted"),
    )
    via = " (Message Batches)" if record.via == "batches" else ""
    return RunSummary(
        run_id=run_id,
        analyzer=record.analyzer,
        model=record.model,
        prompt_version=record.prompt_version,
        status=status,
        analyzer_note=note or f"analyzer: {record.analyzer}{via}",
        counts=counts,
        usage=totals.usage,
        cost_usd=totals.cost_usd,
        failures=failures,
        failed_captures=list(failed_captures),
        fatal=fatal,
        batch_ids=batch_ids,
    )


def record_interrupted(
    engine: sa.Engine, run_id: str, counts: Mapping[str, int] | None = None
) -> None:
    """Record a run stopped in this process (an exception, Ctrl-C) as ``interrupted``, with
    what it stored and spent. Its caller re-raises what stopped it; a store that cannot be
    written now leaves the run ``running`` (listed ``interrupted`` once its process ends)."""
    try:
        finish(engine, run_id, counts=counts, interrupted=True)
    except (ClauselensError, sa.exc.SQLAlchemyError) as exc:
        log.warning("could not record run %s as interrupted: %s", run_id, exc)


def reap_dead_runs(engine: sa.Engine) -> list[str]:
    """Runs recorded ``running`` whose process on this host is gone (killed): their claims end
    (so a run started now takes their clauses at once, not when the leases expire) and each is
    recorded ``interrupted`` with what it stored. Returns their ids."""
    reaped = records.dead_runs(engine)
    for run_id in reaped:
        with engine.begin() as conn:
            released = release_run(conn, run_id)
        finish(engine, run_id, interrupted=True)
        log.info("run %s had stopped (its process is gone); %d claims released", run_id, released)
    return reaped
