"""A run worked by a pool of workers: ``clauselens run --workers N``.

``run_pooled`` plans the run as any run does (``plan.plan_run``: ingest, run record, work),
cuts its work into slices and queues them (``queue``), starts ``workers`` local worker
processes (``clauselens worker``; workers on other machines pointed at the same store take
jobs too), and waits until every job has ended, putting a stalled worker's jobs back in the
queue meanwhile. Then, in this process, the change analyses of the run's versions, and
``summary.finish``, which counts from the store, so the summary is the same as a one-process
run's; then the run's succeeded jobs are deleted from the queue (``queue.forget_succeeded``).
The run's progress is in the store while it runs: ``clauselens runs`` shows it from any
machine.

``resume_pooled`` (``clauselens run --resume RUN_ID [--workers N]``) takes over such a run
when the process that started it stopped: its jobs are in the store, so waiting for them and
finishing can happen in any process, on any machine.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import sqlalchemy as sa

from clauselens import analyzers
from clauselens.analyzers.backoff import Backoff
from clauselens.config import Settings
from clauselens.errors import NotFoundError, UsageError
from clauselens.pipeline.analyze.work import Work
from clauselens.pipeline.ingest.captures import IngestReport
from clauselens.pipeline.runs import queue, records
from clauselens.pipeline.runs.messages import analyse_changes
from clauselens.pipeline.runs.plan import RunOptions, RunPlan, plan_run
from clauselens.pipeline.runs.slices import SLICE, cut, run_settings
from clauselens.pipeline.runs.summary import Callbacks, RunSummary, finish, record_interrupted
from clauselens.schemas import Failure

STOP_TIMEOUT = 30.0  # seconds a worker has to finish its job once asked to stop


def worker_command(
    db_url: str, concurrency: int | None, heartbeat: float = queue.HEARTBEAT
) -> list[str]:
    """The command line of one local worker process."""
    command = [sys.executable, "-m", "clauselens", "--db", db_url, "worker"]
    if concurrency is not None:
        command += ["--concurrency", str(concurrency)]
    return [*command, "--heartbeat", str(heartbeat)]


def start_workers(command: list[str], count: int) -> list[subprocess.Popen[bytes]]:
    return [subprocess.Popen(command) for _ in range(count)]


def stop_workers(processes: list[subprocess.Popen[bytes]]) -> None:
    """Ask each worker to stop (SIGTERM: it ends its job first); kill one that does not."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


async def _work_queued(
    plan: RunPlan, workers: int, callbacks: Callbacks, heartbeat: float
) -> RunSummary:
    slices = cut(plan.work.items, SLICE)
    await queue.queue_run(plan.engine, plan.settings, plan.run_id, slices)
    if callbacks.on_start:
        callbacks.on_start(len(plan.work.items))
    return await _see_through(plan, workers, heartbeat)


async def _see_through(plan: RunPlan, workers: int, heartbeat: float) -> RunSummary:
    """With ``workers`` local worker processes (0: only those running elsewhere), wait until
    every job of the run has ended, analyse its versions' changes, and finish it."""
    settings = plan.settings
    command = worker_command(settings.db_url, plan.options.concurrency, heartbeat)
    processes = start_workers(command, workers)
    change_failures: list[Failure] = []
    try:
        statuses = await queue.wait_for_run(plan.engine, settings, plan.run_id, heartbeat=heartbeat)
        failed_jobs = statuses.get("failed", 0)
        if plan.versions and not failed_jobs:
            change_failures = await analyse_changes(
                plan.engine, plan.analyzer, plan.versions, settings, plan.run_id
            )
    except BaseException:
        record_interrupted(plan.engine, plan.run_id)
        raise
    finally:
        stop_workers(processes)
        await plan.analyzer.aclose()
    fatal = f"{failed_jobs} job(s) failed: see the workers' logs" if failed_jobs else None
    summary = finish(
        plan.engine,
        plan.run_id,
        note=plan.note,
        failed_captures=plan.report.failed,
        fatal=fatal,
        change_failures=change_failures,
    )
    queue.forget_succeeded(plan.engine, plan.run_id)
    return summary


def is_pooled(engine: sa.Engine, run_id: str) -> bool:
    """Whether ``run_id`` was queued for workers: its record says so (``queue.QUEUED_OPTION``),
    or, for a run queued before records said it, its jobs are in the store's queue."""
    if engine.dialect.name != "postgresql":
        return False
    if not sa.inspect(engine).has_table("procrastinate_jobs"):
        return False
    try:
        if records.get_run(engine, run_id).options.get(queue.QUEUED_OPTION):
            return True
    except NotFoundError:
        return False
    return bool(queue.job_statuses(engine, run_id))


def resume_pooled(
    engine: sa.Engine,
    run_id: str,
    settings: Settings,
    workers: int = 0,
    heartbeat: float = queue.HEARTBEAT,
) -> RunSummary:
    """Go on with a run started with ``--workers`` whose coordinating process stopped (Ctrl-C,
    a lost terminal, a killed process): take it over, start ``workers`` local workers (0: rely
    on the workers already running, on any machine), wait for its remaining jobs, put a stalled
    worker's back in the queue, analyse its versions' changes and finish it. Its options
    (analyzer, model, limits) are the ones it was started with; jobs that failed stay failed (a
    later run takes up their clauses)."""
    queue.require_postgres(settings.db_url, "--resume of a run with workers")
    record = records.get_run(engine, run_id)
    if not is_pooled(engine, run_id):
        raise UsageError(f"run {run_id} was not started with --workers: it has no queued jobs")
    if record.status == "running":  # its process is alive (``records`` judges it)
        raise UsageError(
            f"run {run_id} is still running in the process that started it; resume it once "
            "that process has stopped (`clauselens runs` lists it interrupted then)"
        )
    if record.status != "interrupted":
        raise UsageError(f"run {run_id} has finished ({record.status}): nothing to resume")
    # the run's own analyzer, model and limits, as its workers read them (``slices``)
    settings = run_settings(settings, record)
    analyzer = analyzers.build(record.analyzer, settings, Backoff())
    options = RunOptions(model=record.model, concurrency=record.options.get("concurrency"))
    note = f"analyzer: {record.analyzer} (resumed)"
    records.adopt_run(engine, run_id)
    versions = [int(v) for v in record.options.get("versions", [])]
    plan = RunPlan(engine, run_id, analyzer, note, settings, options, Work(), versions=versions)
    return asyncio.run(_see_through(plan, workers, heartbeat))


def run_pooled(
    engine: sa.Engine,
    paths: list[Path],
    settings: Settings,
    options: RunOptions,
    workers: int,
    callbacks: Callbacks | None = None,
    env: Mapping[str, str] | None = None,
    ingest_options: Mapping[str, object] | None = None,
    ingested: IngestReport | None = None,
    heartbeat: float = queue.HEARTBEAT,
) -> RunSummary:
    """Plan a run and have ``workers`` local worker processes analyse it (module docstring)."""
    queue.require_postgres(settings.db_url, "--workers")
    if options.via == "batches":
        raise UsageError("--workers sends Messages API requests; --via batches needs no workers")
    if workers < 1:
        raise UsageError("--workers needs at least one worker")
    plan = plan_run(engine, paths, settings, options, env, ingest_options, ingested)
    return asyncio.run(_work_queued(plan, workers, callbacks or Callbacks(), heartbeat))
