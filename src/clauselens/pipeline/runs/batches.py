"""Batches: a run through the Message Batches API (half the price), resumable across processes.

Only the way requests travel differs from a messages run: the plan (``plan.plan_run``) and the
ending (``summary.finish``, counting from the store) are the same.

``submit`` (the batches transport) builds each work item's request with the analyzer (the same
params the Messages API would get), gives it a ``custom_id`` that maps back to its clause,
splits the requests into batches within the API's limits (``MAX_BATCH_REQUESTS`` requests and
``MAX_BATCH_BYTES`` of JSON a batch; module constants, so tests can lower them), creates each
batch under the transient-error policy and stores its ``batches`` row at once, so that another
process can collect it. The run is left ``waiting``. The clauses are claimed before anything is
built (``analyze.claims``): those another run holds are left to it; a batch's claims end in the
transaction that stores its row (from then on the uncollected batch keeps later runs off them).

``aresume_run`` (``resume_run`` outside an event loop) polls the run's uncollected batches
(``_batch_collect``), stores their results in whatever order they come, redoes the rest through
the Messages API, then analyses the changes of the run's versions and finishes the run.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import anthropic
import sqlalchemy as sa
from anthropic.types.message_create_params import MessageCreateParamsNonStreaming
from anthropic.types.messages.batch_create_params import Request

from clauselens.analyzers._retry import api_error, call_with_retries, unreachable_error
from clauselens.analyzers.backoff import Backoff
from clauselens.analyzers.claude import ClaudeAnalyzer
from clauselens.config import Settings
from clauselens.errors import ApiError, ClauselensError, NotFoundError, UsageError
from clauselens.pipeline.analyze.claims import Claimer, release
from clauselens.pipeline.analyze.persist import save_result
from clauselens.pipeline.analyze.work import WorkItem, item_entry
from clauselens.pipeline.runs import records as runs
from clauselens.pipeline.runs._batch_collect import collect_run, new_client
from clauselens.pipeline.runs._sync import no_running_loop
from clauselens.pipeline.runs.messages import analyse_changes
from clauselens.pipeline.runs.plan import RunPlan, triage_hook
from clauselens.pipeline.runs.summary import Callbacks, RunSummary, finish, record_interrupted
from clauselens.schemas import Failure, RunRecord
from clauselens.store import tables as t
from clauselens.store.queries.pending import synthetic_done
from clauselens.store.queries.runs import uncollected_batches

log = logging.getLogger(__name__)

MAX_BATCH_REQUESTS = 100_000
MAX_BATCH_BYTES = 256_000_000  # the API's 256 MB, counted in bytes of JSON
POLL_INTERVAL = 30.0  # seconds between two retrievals of a batch still in progress
_ENVELOPE_BYTES = len(b'{"requests": []}')


@dataclass(frozen=True)
class BatchRequest:
    """One request of a batch and what its ``batches`` row keeps to map it back."""

    custom_id: str
    params: dict[str, Any]
    entry: dict[str, Any]  # clause_pk, version_pk, clause_sha256, also
    size: int  # bytes of its JSON in the create body, separator included


@dataclass(frozen=True)
class BatchRecord:
    """A stored batch, as ``clauselens batches list`` shows it."""

    batch_id: str
    run_id: str
    status: str
    submitted_at: datetime
    collected_at: datetime | None
    requests: int


def custom_id(item: WorkItem) -> str:
    """``c{clause_pk}-{12 hex of clause_sha256}``: unique in a run, ``[A-Za-z0-9_-]{1,64}``."""
    return f"c{item.clause_pk}-{item.input.clause_sha256[:12]}"


def batch_request(item: WorkItem, params: dict[str, Any]) -> BatchRequest:
    cid = custom_id(item)
    # json.dumps' defaults (ASCII escapes, spaces) never encode shorter than the SDK's body.
    size = len(json.dumps({"custom_id": cid, "params": params}).encode()) + 2
    return BatchRequest(cid, params, item_entry(item), size)


def split(requests: Iterable[BatchRequest]) -> list[list[BatchRequest]]:
    """Consecutive groups within ``MAX_BATCH_REQUESTS`` and ``MAX_BATCH_BYTES`` (a request
    bigger than the byte limit alone goes in a batch of its own, for the API to refuse)."""
    groups: list[list[BatchRequest]] = []
    current: list[BatchRequest] = []
    size = _ENVELOPE_BYTES
    for request in requests:
        full = len(current) >= MAX_BATCH_REQUESTS or size + request.size > MAX_BATCH_BYTES
        if current and full:
            groups.append(current)
            current, size = [], _ENVELOPE_BYTES
        current.append(request)
        size += request.size
    if current:
        groups.append(current)
    return groups


async def _create(
    client: anthropic.AsyncAnthropic, group: list[BatchRequest], settings: Settings
) -> anthropic.types.messages.MessageBatch:
    requests = [
        Request(custom_id=r.custom_id, params=cast(MessageCreateParamsNonStreaming, r.params))
        for r in group
    ]
    try:
        return await call_with_retries(
            lambda: client.messages.batches.create(requests=requests), settings, Backoff()
        )
    except anthropic.APIStatusError as exc:
        raise api_error(exc) from exc


async def _submit(
    engine: sa.Engine,
    run_id: str,
    groups: list[list[BatchRequest]],
    settings: Settings,
    claimer: Claimer,
) -> list[str]:
    """Create the batches one by one, storing each row as soon as its batch exists (and ending
    its claims with it)."""
    client = new_client(settings)
    batch_ids: list[str] = []
    try:
        for group in groups:
            claimer.renew()  # the later groups' claims last while the earlier ones go out
            batch = await _create(client, group, settings)
            with engine.begin() as conn:
                release(conn, claimer.holder, [r.entry["clause_sha256"] for r in group])
                conn.execute(
                    t.batches.insert().values(
                        batch_id=batch.id,
                        run_id=run_id,
                        status=batch.processing_status,
                        submitted_at=datetime.now(UTC),
                        requests={r.custom_id: r.entry for r in group},
                    )
                )
            batch_ids.append(batch.id)
            log.info("batch %s submitted for run %s: %d requests", batch.id, run_id, len(group))
    finally:
        await client.close()
    return batch_ids


def _triage_before_batches(plan: RunPlan, items: list[WorkItem]) -> list[WorkItem]:
    """Store the offline analysis of the clauses triage keeps from Claude; return the rest."""
    hook = triage_hook(plan)
    if hook is None:
        return items
    sent = []
    for item in items:
        result = hook(item)
        if result is None:
            sent.append(item)
            continue
        with plan.engine.begin() as conn:
            save_result(conn, result, clause_pk=item.clause_pk, run_id=plan.run_id)
    return sent


async def submit(plan: RunPlan, callbacks: Callbacks) -> RunSummary:
    """Submit the plan's work as Message Batches and leave the run ``waiting`` (module docstring).

    A refused batch stops the submission: the run is ``waiting`` on the batches already
    created (``failed`` if none), and the summary carries the error."""
    analyzer = plan.analyzer
    if not isinstance(analyzer, ClaudeAnalyzer):
        raise ClauselensError("the batches mode needs the claude analyzer")
    claimer = Claimer(
        plan.engine,
        plan.key,
        plan.run_id,
        lease=plan.settings.claim_lease,
        synthetic=synthetic_done(plan.settings.base_url),
    )
    held = claimer.take([item.input.clause_sha256 for item in plan.work.items])
    mine = [item for item in plan.work.items if item.input.clause_sha256 in held]
    fatal: str | None = None
    try:
        items = _triage_before_batches(plan, mine)
        requests = [batch_request(item, analyzer.build_request(item.input)) for item in items]
        await _submit(plan.engine, plan.run_id, split(requests), plan.settings, claimer)
    except anthropic.APIConnectionError as exc:
        fatal = f"batch submission stopped: {unreachable_error(exc)}"
    except (ApiError, anthropic.APIError) as exc:
        fatal = f"batch submission stopped: {exc}"
    except BaseException:  # stopped before its end: recorded so (waiting on what went out)
        record_interrupted(plan.engine, plan.run_id)
        raise
    finally:
        claimer.release_all()  # what was not submitted goes to the next run
        await analyzer.aclose()
    batches = list_batches(plan.engine, plan.run_id)
    counts = {
        "batches": len(batches),
        "submitted": sum(b.requests for b in batches),
        "claimed_elsewhere": len(plan.work.items) - len(mine),
    }
    runs.update_counts(plan.engine, plan.run_id, counts)
    summary = finish(
        plan.engine,
        plan.run_id,
        note=plan.note,
        failed_captures=plan.report.failed,
        fatal=None if batches else fatal,
    )
    summary.fatal = fatal
    return summary


async def aresume_run(
    engine: sa.Engine,
    run_id: str,
    settings: Settings,
    callbacks: Callbacks | None = None,
    *,
    poll_interval: float | None = None,
    timeout: float | None = None,
) -> RunSummary:
    """Collect a batches run: poll its uncollected batches every ``poll_interval`` seconds
    (``POLL_INTERVAL``) until they end, store every result, redo the failures through the
    Messages API, analyse the changes of its versions and finish the run. With ``timeout``
    (seconds), stop polling after it and leave the run ``waiting``. Safe to call again, from
    any process: what is stored is kept."""
    interval = POLL_INTERVAL if poll_interval is None else poll_interval
    record = runs.get_run(engine, run_id)
    fatal = await collect_run(engine, record, settings, callbacks or Callbacks(), interval, timeout)
    change_failures: list[Failure] = []
    with engine.connect() as conn:
        complete = not uncollected_batches(conn, run_id)
    if fatal is None and complete:
        change_failures = await _analyse_run_changes(engine, record, settings)
    return finish(engine, run_id, fatal=fatal, change_failures=change_failures)


def resume_run(
    engine: sa.Engine,
    run_id: str,
    settings: Settings,
    callbacks: Callbacks | None = None,
    *,
    poll_interval: float | None = None,
    timeout: float | None = None,
) -> RunSummary:
    """``aresume_run`` from synchronous code (not inside a running event loop)."""
    no_running_loop("resume_run", "aresume_run")
    return asyncio.run(
        aresume_run(
            engine, run_id, settings, callbacks, poll_interval=poll_interval, timeout=timeout
        )
    )


async def _analyse_run_changes(
    engine: sa.Engine, record: RunRecord, settings: Settings
) -> list[Failure]:
    """Once every batch is in, the change analyses of the run's versions (Messages API)."""
    versions = [int(v) for v in record.options.get("versions", [])]
    if not versions:
        return []
    analyzer = ClaudeAnalyzer(settings.model_copy(update={"model": record.model}))
    try:
        return await analyse_changes(engine, analyzer, versions, settings, record.id)
    finally:
        await analyzer.aclose()


def _record(row: Any) -> BatchRecord:
    return BatchRecord(
        batch_id=row.batch_id,
        run_id=row.run_id,
        status=row.status,
        submitted_at=row.submitted_at,
        collected_at=row.collected_at,
        requests=len(row.requests),
    )


def list_batches(engine: sa.Engine, run_id: str | None = None) -> list[BatchRecord]:
    """Stored batches, oldest first (of one run when ``run_id`` is given)."""
    query = sa.select(t.batches).order_by(t.batches.c.id)
    if run_id is not None:
        query = query.where(t.batches.c.run_id == run_id)
    with engine.connect() as conn:
        return [_record(row) for row in conn.execute(query)]


def waiting_runs(engine: sa.Engine) -> list[str]:
    """Runs with a batch not yet collected, oldest first."""
    b = t.batches.c
    query = (
        sa.select(b.run_id)
        .where(b.collected_at.is_(None))
        .group_by(b.run_id)
        .order_by(sa.func.min(b.id))
    )
    with engine.connect() as conn:
        return list(conn.execute(query).scalars())


def forget_batch(engine: sa.Engine, batch_id: str) -> RunSummary:
    """Give up on a batch whose results can no longer be had (the API keeps them 29 days): it
    is marked collected as ``forgotten`` and its run finished with what it has. Its clauses
    without a valid analysis are sent again by the next run."""
    b = t.batches.c
    with engine.begin() as conn:
        row = conn.execute(sa.select(b.run_id, b.collected_at).where(b.batch_id == batch_id))
        found = row.first()
        if found is None:
            raise NotFoundError(f"no batch {batch_id!r}: see `clauselens batches list`")
        if found.collected_at is not None:
            raise UsageError(f"batch {batch_id} is already collected")
        conn.execute(
            t.batches.update()
            .where(b.batch_id == batch_id)
            .values(status="forgotten", collected_at=datetime.now(UTC))
        )
    return finish(engine, str(found.run_id))
