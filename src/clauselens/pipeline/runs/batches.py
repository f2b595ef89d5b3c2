"""Batches: a run through the Message Batches API (half the price), resumable across processes.

``submit_run`` builds each work item's request with the analyzer (the same params the Messages
API would get), gives it a ``custom_id`` that maps back to its clause, splits the requests into
batches within the API's limits (``MAX_BATCH_REQUESTS`` requests and ``MAX_BATCH_BYTES`` of JSON
a batch; module constants, so tests can lower them), creates each batch under the transient-error
policy and stores its ``batches`` row at once, so that another process can collect it. The run
is left ``waiting``.

``resume_run`` (in ``_batch_collect``) polls the run's uncollected batches, stores their results
in whatever order they come, redoes the rest through the Messages API and finishes the run.
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

from clauselens.analyzers._retry import api_error, call_with_retries
from clauselens.analyzers.backoff import Backoff
from clauselens.analyzers.base import Analyzer
from clauselens.analyzers.claude import ClaudeAnalyzer
from clauselens.config import Settings
from clauselens.errors import ApiError, ClauselensError, NotFoundError, UsageError
from clauselens.pipeline.analyze.work import Work, WorkItem
from clauselens.pipeline.ingest.captures import IngestReport
from clauselens.pipeline.runs import records as runs
from clauselens.pipeline.runs.run import Callbacks, RunSummary
from clauselens.schemas import Usage
from clauselens.schemas.runs import RunStatus
from clauselens.store import tables as t

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
    entry = {
        "clause_pk": item.clause_pk,
        "version_pk": item.version_pk,
        "clause_sha256": item.input.clause_sha256,
        "also": list(item.also),
    }
    return BatchRequest(cid, params, entry, size)


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


def new_client(settings: Settings) -> anthropic.AsyncAnthropic:
    """The client of the batches mode: retries are ours (``call_with_retries``), not the SDK's."""
    return anthropic.AsyncAnthropic(
        max_retries=0, base_url=settings.base_url, timeout=settings.request_timeout
    )


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
    engine: sa.Engine, run_id: str, groups: list[list[BatchRequest]], settings: Settings
) -> list[str]:
    """Create the batches one by one, storing each row as soon as its batch exists."""
    client = new_client(settings)
    batch_ids: list[str] = []
    try:
        for group in groups:
            batch = await _create(client, group, settings)
            with engine.begin() as conn:
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


def submit_run(
    engine: sa.Engine,
    run_id: str,
    analyzer: Analyzer,
    work: Work,
    report: IngestReport,
    settings: Settings,
    note: str,
) -> RunSummary:
    """Submit ``work`` as Message Batches and leave the run ``waiting`` (module docstring).

    A refused batch stops the submission: the run is ``waiting`` on the batches already
    created (``failed`` if none), and the summary carries the error."""
    if not isinstance(analyzer, ClaudeAnalyzer):
        raise ClauselensError("the batches mode needs the claude analyzer")
    requests = [batch_request(item, analyzer.build_request(item.input)) for item in work.items]
    groups = split(requests)
    fatal: str | None = None
    try:
        batch_ids = asyncio.run(_submit(engine, run_id, groups, settings))
    except (ApiError, anthropic.APIError) as exc:
        fatal = f"batch submission stopped: {exc}"
        batch_ids = list_run_batch_ids(engine, run_id)
    finally:
        asyncio.run(analyzer.aclose())
    submitted = sum(b.requests for b in list_batches(engine, run_id))
    counts = {
        "captures": len(report.outcomes),
        "new_versions": report.count("new_version"),
        "clauses_seen": work.seen,
        "to_analyse": len(work.items),
        "reused": work.reused,
        "failed_captures": len(report.failed),
        "batches": len(batch_ids),
        "submitted": submitted,
    }
    status: RunStatus = "waiting" if batch_ids else "failed"
    if not work.items:
        status = "partial" if report.failed else "succeeded"
    runs.update_run(
        engine,
        run_id,
        status=status,
        counts=counts,
        usage=Usage(),
        cost_usd=0.0,
        finished=status != "waiting",
    )
    return RunSummary(
        run_id=run_id,
        analyzer=analyzer.name,
        model=analyzer.model,
        prompt_version=analyzer.prompt_version,
        status=status,
        analyzer_note=note,
        counts=counts,
        usage=Usage(),
        cost_usd=0.0,
        failed_captures=report.failed,
        fatal=fatal,
        batch_ids=batch_ids,
    )


def resume_run(
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
    Messages API and finish the run. With ``timeout`` (seconds), stop polling after it and
    leave the run ``waiting``. Safe to call again, from any process: what is stored is kept."""
    from clauselens.pipeline.runs._batch_collect import collect_run

    interval = POLL_INTERVAL if poll_interval is None else poll_interval
    summary = collect_run(engine, run_id, settings, callbacks or Callbacks(), interval, timeout)
    if summary.status not in ("succeeded", "partial"):
        return summary
    return _with_change_analyses(engine, summary, settings)


def _with_change_analyses(engine: sa.Engine, summary: RunSummary, settings: Settings) -> RunSummary:
    """Once every batch is in, analyse the modified provisions of the run's versions."""
    from clauselens.pipeline.runs.run import analyse_run_changes

    outcome = analyse_run_changes(engine, summary.run_id, settings)
    if not outcome.changes_analysed and not outcome.failures:
        return summary
    summary.usage += outcome.usage
    summary.cost_usd += outcome.cost_usd
    summary.failures += outcome.failures
    summary.counts = {**summary.counts, "change_analyses": outcome.changes_analysed}
    if outcome.failures and summary.status == "succeeded":
        summary.status = "partial"
    runs.update_run(
        engine,
        summary.run_id,
        status=summary.status,
        counts=summary.counts,
        usage=summary.usage,
        cost_usd=summary.cost_usd,
    )
    return summary


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


def list_run_batch_ids(engine: sa.Engine, run_id: str) -> list[str]:
    return [b.batch_id for b in list_batches(engine, run_id)]


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
    from clauselens.pipeline.runs._batch_finish import finish_run

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
    return finish_run(engine, str(found.run_id))
