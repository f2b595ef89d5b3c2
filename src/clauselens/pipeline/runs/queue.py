"""The job queue of scale-out runs: procrastinate over the store's PostgreSQL.

A run for workers puts its slices (``slices``) in the queue as jobs of one task,
``clauselens.analyse_slice``; ``work`` is a worker: it takes jobs one at a time and runs each
slice through ``slices.analyse_slice`` with up to ``concurrency`` requests in flight.
procrastinate keeps the jobs in the store's database (its own ``procrastinate_*`` tables,
created by ``ensure_schema`` on first use), locks a job to the worker that fetched it, and
records each worker's heartbeat. A worker that stops beating (killed, its machine gone) is
stalled: every worker, and the process waiting for a run, puts a stalled worker's jobs back
in the queue (``retry_stalled``), and another worker takes them. A job whose slice was partly
held by another process (``SliceNotDone``) is retried by procrastinate after ``retry_wait``.

SQLite has no queue: a SQLite store runs in one process (``clauselens run --concurrency N``),
and asking it for workers is a ``UsageError`` (``require_postgres``).

procrastinate is imported only here, and only when a queue is used.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import os
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa

from clauselens.config import Settings, api_key_present
from clauselens.errors import MissingDependencyError, UsageError
from clauselens.pipeline.runs import records
from clauselens.pipeline.runs.slices import Entry, SliceNotDone, analyse_slice
from clauselens.store.urls import backend, display_url, parse_url

if TYPE_CHECKING:
    import procrastinate

log = logging.getLogger(__name__)

TASK = "clauselens.analyse_slice"
QUEUE = "clauselens"
HEARTBEAT = 10.0  # seconds between a worker's heartbeats
STALLED_AFTER = 3  # heartbeats missed before a worker is stalled and its jobs are retried
FINAL = ("succeeded", "failed", "cancelled", "aborted")
_OF_RUN = "task_name = :task AND args->>'run_id' = :run"  # a run's jobs (``:task``, ``:run``)
QUEUED_OPTION = "queued_jobs"  # in a run's recorded options: how many jobs it was queued as
_SCHEMA_LOCK = 0x636C656E  # pg_advisory_xact_lock key: one process creates the queue tables


def require_postgres(db_url: str, what: str) -> None:
    """``UsageError`` (exit 2) unless the store is PostgreSQL: workers share a queue in it."""
    if backend(db_url) != "postgresql":
        raise UsageError(
            f"{what} needs a PostgreSQL store (workers share its job queue); "
            f"{display_url(db_url)} is {backend(db_url)}, which runs in one process: "
            "use `clauselens run --concurrency N`, or move the store with "
            "`clauselens db copy SQLITE_URL POSTGRES_URL`"
        )


def conninfo(db_url: str) -> str:
    """The libpq connection string of a PostgreSQL store URL."""
    url = parse_url(db_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


def _procrastinate() -> Any:
    try:
        import procrastinate
    except ImportError as exc:
        raise MissingDependencyError("procrastinate", "postgres", "a worker") from exc
    return procrastinate


def ensure_schema(engine: sa.Engine) -> None:
    """Create procrastinate's tables in the store once (processes starting together wait for
    the first under an advisory lock)."""
    if sa.inspect(engine).has_table("procrastinate_jobs"):
        return
    schema = _procrastinate().schema.SchemaManager.get_schema()
    with engine.begin() as conn:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _SCHEMA_LOCK})
        if not sa.inspect(conn).has_table("procrastinate_jobs"):
            conn.exec_driver_sql(schema.replace("%", "%%"))


@dataclass(frozen=True)
class WorkerContext:
    """What a job needs from its worker: the store, the settings, the environment."""

    engine: sa.Engine
    settings: Settings
    env: Mapping[str, str] | None = None


def retry_wait(settings: Settings) -> float:
    """Seconds before a ``SliceNotDone`` job is tried again: a fifth of the claim lease."""
    return max(1.0, settings.claim_lease / 5)


def make_app(db_url: str, settings: Settings) -> procrastinate.App:
    """The procrastinate app on the store, with the slice task."""
    p = _procrastinate()
    app: procrastinate.App = p.App(connector=p.PsycopgConnector(conninfo=conninfo(db_url)))
    retry = p.RetryStrategy(
        max_attempts=12, wait=int(retry_wait(settings)), retry_exceptions={SliceNotDone}
    )

    @app.task(name=TASK, queue=QUEUE, pass_context=True, retry=retry)
    async def _analyse(context: Any, run_id: str, entries: list[Entry]) -> dict[str, int]:
        ctx: WorkerContext = context.additional_context["clauselens"]
        report = await analyse_slice(ctx.engine, ctx.settings, run_id, entries, env=ctx.env)
        return vars(report)

    return app


async def enqueue(app: procrastinate.App, run_id: str, slices: Sequence[list[Entry]]) -> int:
    """Put a run's slices in the queue (one job each; a slice is queued once: its queueing
    lock names the run and the slice); how many."""
    task = app.tasks[TASK]
    for number, entries in enumerate(slices):
        deferrer = task.configure(queueing_lock=f"{run_id}/{number}")
        await deferrer.defer_async(run_id=run_id, entries=cast(Any, entries))
    return len(slices)


def job_statuses(engine: sa.Engine, run_id: str) -> dict[str, int]:
    """How many of a run's jobs are in each status (todo, doing, succeeded, failed, ...)."""
    query = sa.text(
        f"SELECT status::text, count(*) FROM procrastinate_jobs WHERE {_OF_RUN} GROUP BY status"
    )
    with engine.connect() as conn:
        return {str(s): int(n) for s, n in conn.execute(query, {"task": TASK, "run": run_id})}


def finished(statuses: Mapping[str, int]) -> bool:
    return all(status in FINAL for status, n in statuses.items() if n)


async def retry_stalled(app: procrastinate.App, heartbeat: float = HEARTBEAT) -> int:
    """Put the jobs of stalled workers back in the queue; how many."""
    stalled = await app.job_manager.get_stalled_jobs(
        queue=QUEUE, seconds_since_heartbeat=STALLED_AFTER * heartbeat
    )
    count = 0
    for job in stalled:
        with contextlib.suppress(Exception):  # another process retried it first
            await app.job_manager.retry_job(job)
            count += 1
            log.warning("job %s of a stalled worker put back in the queue", job.id)
    return count


async def _watch_stalled(app: procrastinate.App, heartbeat: float) -> None:
    while True:
        await asyncio.sleep(heartbeat)
        try:
            await retry_stalled(app, heartbeat)
        except Exception as exc:  # the next round may get through
            log.warning("could not look for stalled jobs: %s", exc)


def _preload_sdk(env: Mapping[str, str] | None) -> None:
    """Import the Anthropic SDK before the first job when a key is set: imported inside a
    job, it holds the event loop for a second or more, and the worker's heartbeat with it."""
    if api_key_present(os.environ if env is None else env):
        importlib.import_module("clauselens.analyzers.claude")


async def work(
    engine: sa.Engine,
    settings: Settings,
    *,
    concurrency: int | None = None,
    heartbeat: float = HEARTBEAT,
    wait: bool = True,
    env: Mapping[str, str] | None = None,
) -> None:
    """Be a worker: take jobs until stopped (SIGINT, SIGTERM: the job in hand is finished
    first), or with ``wait=False`` until the queue is empty."""
    require_postgres(settings.db_url, "a worker")
    ensure_schema(engine)
    if concurrency is not None:
        settings = settings.model_copy(update={"concurrency": concurrency})
    _preload_sdk(env)
    app = make_app(settings.db_url, settings)
    async with app.open_async():
        watcher = asyncio.create_task(_watch_stalled(app, heartbeat))
        try:
            await app.run_worker_async(
                queues=[QUEUE],
                concurrency=1,
                wait=wait,
                additional_context={"clauselens": WorkerContext(engine, settings, env)},
                update_heartbeat_interval=heartbeat,
                stalled_worker_timeout=STALLED_AFTER * heartbeat,
                fetch_job_polling_interval=min(5.0, heartbeat),
                delete_jobs="never",
            )
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher


async def wait_for_run(
    engine: sa.Engine,
    settings: Settings,
    run_id: str,
    *,
    heartbeat: float = HEARTBEAT,
    poll: float = 0.5,
    on_poll: Callable[[Mapping[str, int]], Awaitable[None] | None] | None = None,
) -> dict[str, int]:
    """Wait until every job of ``run_id`` has ended, putting stalled workers' jobs back in the
    queue meanwhile; the jobs' final statuses."""
    app = make_app(settings.db_url, settings)
    async with app.open_async():
        since = 0.0
        while True:
            statuses = job_statuses(engine, run_id)
            if on_poll is not None:
                maybe = on_poll(statuses)
                if maybe is not None:
                    await maybe
            if finished(statuses):
                return statuses
            await asyncio.sleep(poll)
            since += poll
            if since >= heartbeat:
                since = 0.0
                await retry_stalled(app, heartbeat)


async def queue_run(
    engine: sa.Engine, settings: Settings, run_id: str, slices: Sequence[list[Entry]]
) -> int:
    """Put a run's slices in the queue (the queue's tables made first if need be), and record
    on the run that it was queued (``QUEUED_OPTION``: its succeeded jobs are deleted once it
    has finished, so the record, not the queue, says it was a run for workers)."""
    require_postgres(settings.db_url, "a run with workers")
    ensure_schema(engine)
    app = make_app(settings.db_url, settings)
    async with app.open_async():
        jobs = await enqueue(app, run_id, slices)
    records.merge_options(engine, run_id, {QUEUED_OPTION: jobs})
    return jobs


def forget_succeeded(engine: sa.Engine, run_id: str) -> int:
    """Delete a finished run's succeeded jobs (their arguments hold every entry of a slice, so
    the queue would otherwise grow with every run); failed jobs stay for diagnosis. How many."""
    query = sa.text(f"DELETE FROM procrastinate_jobs WHERE {_OF_RUN} AND status = 'succeeded'")
    with engine.begin() as conn:
        return conn.execute(query, {"task": TASK, "run": run_id}).rowcount
