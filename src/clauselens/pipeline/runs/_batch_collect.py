"""Collect a batches run: poll each uncollected batch until it ends, store its valid answers,
redo the others through the Messages API, mark it collected (``batches.aresume_run`` then
finishes the run with ``summary.finish``).

Results come in any order; each is matched to its clause by ``custom_id`` through the batch's
stored ``requests`` mapping. A succeeded answer is validated with the analyzer's own checks
(schema, then semantics) and stored with its provenance: ``request_id`` is
``{batch_id}/{custom_id}``, cost at the batch discount, thinking tokens in its usage,
``synthetic`` when the results came from clauselens' fake API server (its header on the results
response). An invalid answer, a blank one, any stop other than ``end_turn`` (``max_tokens``, a
refusal with its ``stop_details`` category, ``model_context_window_exceeded``, ...; recorded with
its reason as the analyzer records it), an errored, expired or canceled request, or one missing
from the results, is redone with the normal ``ClaudeAnalyzer`` loop under ``Executor``; the batch
attempt comes first in the result's ``failed_attempts`` and its usage and (discounted) cost are
added in.

Idempotent: a request whose key already has a valid analysis is skipped (``save_result``'s
unique key guards against a race with another process), and a batch is marked collected only
once every request in it is stored. The run's counts, usage and cost are recomputed from the
store, so a collection interrupted and finished elsewhere counts everything once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import anthropic
import sqlalchemy as sa
from anthropic.types.messages import MessageBatchIndividualResponse

from clauselens import prompts
from clauselens.analyzers._request import client_timeout
from clauselens.analyzers._retry import api_error, call_with_retries, unreachable_error
from clauselens.analyzers.backoff import Backoff
from clauselens.analyzers.base import ChangeResult, ClauseInput, DocumentContext
from clauselens.analyzers.claude import (
    ClaudeAnalyzer,
    _stop_details,
    _text,
    _usage,
    stop_failure,
)
from clauselens.config import Settings
from clauselens.errors import ApiError, UsageError
from clauselens.pipeline.analyze.claims import Claimer
from clauselens.pipeline.analyze.executor import Executor
from clauselens.pipeline.analyze.persist import save_result
from clauselens.pipeline.analyze.work import ItemLoader, WorkItem
from clauselens.pipeline.runs.ratelimit import RateLimiter
from clauselens.pipeline.runs.summary import Callbacks
from clauselens.pricing import cost_usd
from clauselens.schemas import AnalysisResult, AttemptRecord, ClauseAnalysis, Provenance
from clauselens.schemas.runs import RunRecord
from clauselens.schemas.stored import from_fake_server
from clauselens.schemas.validate import InvalidAnalysis, validate_analysis
from clauselens.store import tables as t
from clauselens.store.queries.pending import AnalyzerKey, synthetic_done, valid_keys

log = logging.getLogger(__name__)


def new_client(settings: Settings) -> anthropic.AsyncAnthropic:
    """The client of the batches mode: retries are ours (``call_with_retries``), not the SDK's."""
    return anthropic.AsyncAnthropic(
        max_retries=0, base_url=settings.base_url, timeout=client_timeout(settings)
    )


@dataclass(frozen=True)
class _Batch:
    pk: int
    batch_id: str
    requests: dict[str, dict[str, Any]]


class _AfterBatch:
    """The Claude analyzer, for clauses whose batch request gave no valid answer: the batch
    attempt goes first in the provenance, its usage and discounted cost are added in."""

    name = "claude"

    def __init__(self, inner: ClaudeAnalyzer, attempts: dict[str, AttemptRecord]) -> None:
        self._inner = inner
        self._attempts = attempts

    @property
    def model(self) -> str:
        return self._inner.model

    @property
    def prompt_version(self) -> str:
        return self._inner.prompt_version

    async def analyze(self, clause: ClauseInput) -> AnalysisResult:
        first = self._attempts.get(clause.clause_sha256)
        # Re-ask only an answer there is to correct: an invalid, non-blank one.
        invalid = (
            first is not None
            and first.kind.endswith("_invalid")
            and bool((first.raw_output or "").strip())
        )
        reask = (first.raw_output or "", [first.message]) if first is not None and invalid else None
        result = await self._inner.analyze(clause, reask=reask)
        if first is None:
            return result
        p = result.provenance
        later = [a.model_copy(update={"attempt": a.attempt + 1}) for a in p.failed_attempts]
        provenance = p.model_copy(
            update={
                "usage": first.usage + p.usage,
                "cost_usd": p.cost_usd + cost_usd(self.model, first.usage, batch=True),
                "attempts": p.attempts + 1,
                "failed_attempts": [first, *later],
                "reasked": p.reasked or first.kind.endswith("_invalid"),
            }
        )
        return result.model_copy(update={"provenance": provenance})

    async def analyze_change(
        self,
        old_text: str,
        new_text: str,
        previous: ClauseAnalysis | None,
        document: DocumentContext,
        heading_path: tuple[str, ...] = (),
    ) -> ChangeResult:
        return await self._inner.analyze_change(
            old_text, new_text, previous, document, heading_path
        )

    async def aclose(self) -> None:
        """The caller closes the inner analyzer's client."""


def _judge(
    line: MessageBatchIndividualResponse,
    item: WorkItem,
    run: RunRecord,
    batch_id: str,
    synthetic: bool,
) -> AnalysisResult | AttemptRecord:
    """A valid analysis from the batch answer, or the failed attempt to redo."""
    outcome = line.result
    if outcome.type == "errored":
        error = outcome.error.error
        return AttemptRecord(
            attempt=1, kind="batch_errored", message=f"{error.type}: {error.message}"
        )
    if outcome.type != "succeeded":
        return AttemptRecord(
            attempt=1, kind=f"batch_{outcome.type}", message=f"the request was {outcome.type}"
        )
    message = outcome.message
    usage, text = _usage(message), _text(message)
    if message.stop_reason != "end_turn":
        reason = str(message.stop_reason)
        note = stop_failure(message.stop_reason, _stop_details(message))
        raw = text or None
        return AttemptRecord(attempt=1, kind=reason, message=note, usage=usage, raw_output=raw)
    if not text.strip():
        note = "the model ended its turn with no text"
        return AttemptRecord(attempt=1, kind="empty_answer", message=note, usage=usage)
    try:
        analysis = validate_analysis(text, item.input.text, item.input.truncated)
    except InvalidAnalysis as exc:
        note = "; ".join(exc.errors)
        return AttemptRecord(attempt=1, kind=exc.kind, message=note, usage=usage, raw_output=text)
    return AnalysisResult(
        clause_sha256=item.input.clause_sha256,
        status="valid",
        analysis=analysis,
        provenance=Provenance(
            analyzer="claude",
            model=run.model,
            prompt_id=prompts.PROMPT_ID,
            prompt_version=run.prompt_version,
            request_id=f"{batch_id}/{line.custom_id}",
            stop_reason=message.stop_reason,
            usage=usage,
            cost_usd=cost_usd(run.model, usage, batch=True),
            generated_at=datetime.now(UTC),
            run_id=run.id,
            synthetic=synthetic,
        ),
        input_truncated=item.input.truncated,
    )


class _Collector:
    """One collection of one run (see the module docstring)."""

    def __init__(
        self,
        engine: sa.Engine,
        run: RunRecord,
        settings: Settings,
        callbacks: Callbacks,
        client: anthropic.AsyncAnthropic,
    ) -> None:
        self.engine = engine
        self.run = run
        self.settings = settings.model_copy(update={"model": run.model})
        self.callbacks = callbacks
        self.client = client
        self.backoff = Backoff()
        self.items = ItemLoader(engine, self.settings)
        self.analyzer = ClaudeAnalyzer(self.settings, client=client, backoff=self.backoff)
        if self.analyzer.prompt_version != run.prompt_version:
            log.warning(
                "run %s was submitted with prompt %s; redone clauses use prompt %s",
                run.id,
                run.prompt_version,
                self.analyzer.prompt_version,
            )

    def done_keys(self) -> set[str]:
        with self.engine.connect() as conn:
            key = AnalyzerKey("claude", self.run.model, self.run.prompt_version)
            return valid_keys(conn, key, synthetic=synthetic_done(self.settings.base_url))

    def _save(self, item: WorkItem, result: AnalysisResult) -> None:
        with self.engine.begin() as conn:
            save_result(conn, result, clause_pk=item.clause_pk, run_id=self.run.id)
        if self.callbacks.on_result:
            self.callbacks.on_result(item, result)

    async def wait_ended(self, batch_id: str, interval: float, deadline: float | None) -> bool:
        """Poll until the batch has ended; False when ``deadline`` (monotonic) comes first."""
        retrieve = self.client.messages.batches.retrieve
        while True:
            batch = await call_with_retries(lambda: retrieve(batch_id), self.settings, self.backoff)
            if batch.processing_status == "ended":
                return True
            if deadline is not None and time.monotonic() + interval > deadline:
                return False
            log.info(
                "batch %s is %s; next poll in %ss", batch_id, batch.processing_status, interval
            )
            await asyncio.sleep(interval)

    async def collect(self, batch: _Batch) -> None:
        """Store every result of an ended batch, redo the failures, mark it collected."""
        done = self.done_keys()
        redo: dict[str, AttemptRecord] = {}
        redo_items: list[WorkItem] = []
        seen: set[str] = set()
        results = await call_with_retries(
            lambda: self.client.messages.batches.results(batch.batch_id),
            self.settings,
            self.backoff,
        )
        synthetic = from_fake_server(results.http_response.headers)
        async for line in results:
            entry = batch.requests.get(line.custom_id)
            if entry is None:
                log.warning("batch %s: unknown custom_id %s", batch.batch_id, line.custom_id)
                continue
            seen.add(line.custom_id)
            if entry["clause_sha256"] in done:
                continue
            item = self.items.item(entry)
            judged = _judge(line, item, self.run, batch.batch_id, synthetic)
            if isinstance(judged, AnalysisResult):
                self._save(item, judged)
                continue
            redo[item.input.clause_sha256] = judged
            redo_items.append(item)
        for cid, entry in batch.requests.items():
            if cid not in seen and entry["clause_sha256"] not in done:
                missing = AttemptRecord(attempt=1, kind="batch_missing", message="no result")
                redo[entry["clause_sha256"]] = missing
                redo_items.append(self.items.item(entry))
        await self._redo(redo_items, redo)
        with self.engine.begin() as conn:
            conn.execute(
                t.batches.update()
                .where(t.batches.c.id == batch.pk)
                .values(status="ended", collected_at=datetime.now(UTC))
            )

    async def _redo(self, items: list[WorkItem], attempts: dict[str, AttemptRecord]) -> None:
        if not items:
            return
        log.info("redoing %d clause(s) through the Messages API", len(items))
        executor = Executor(
            self.engine,
            _AfterBatch(self.analyzer, attempts),
            concurrency=self.settings.concurrency,
            limiter=RateLimiter(self.settings.rpm, self.settings.tpm),
            run_id=self.run.id,
            on_result=self.callbacks.on_result,
            claimer=Claimer(  # two processes collecting one run redo each clause once
                self.engine,
                AnalyzerKey("claude", self.analyzer.model, self.analyzer.prompt_version),
                self.run.id,
                lease=self.settings.claim_lease,
                synthetic=synthetic_done(self.settings.base_url),
            ),
        )
        outcome = await executor.run(items)
        if outcome.fatal is not None:
            raise outcome.fatal


def _uncollected(engine: sa.Engine, run_id: str) -> list[_Batch]:
    b = t.batches.c
    query = (
        sa.select(b.id, b.batch_id, b.requests)
        .where(b.run_id == run_id, b.collected_at.is_(None))
        .order_by(b.id)
    )
    with engine.connect() as conn:
        return [_Batch(r.id, r.batch_id, dict(r.requests)) for r in conn.execute(query)]


async def _collect(
    collector: _Collector, batches: list[_Batch], interval: float, timeout: float | None
) -> bool:
    """Collect ``batches`` in order; False when the timeout left one uncollected."""
    deadline = None if timeout is None else time.monotonic() + timeout
    try:
        for batch in batches:
            if not await collector.wait_ended(batch.batch_id, interval, deadline):
                return False
            await collector.collect(batch)
    finally:
        await collector.client.close()
    return True


async def collect_run(
    engine: sa.Engine,
    run: RunRecord,
    settings: Settings,
    callbacks: Callbacks,
    interval: float,
    timeout: float | None,
) -> str | None:
    """``batches.aresume_run``'s collection: the fatal error that stopped it, if any."""
    if run.via != "batches":
        raise UsageError(f"run {run.id} did not go through the Message Batches API")
    batches = _uncollected(engine, run.id)
    if not batches:
        return None
    collector = _Collector(engine, run, settings, callbacks, new_client(settings))
    if callbacks.on_start:
        done = collector.done_keys()
        pending = {e["clause_sha256"] for b in batches for e in b.requests.values()}
        callbacks.on_start(len(pending - done))
    try:
        await _collect(collector, batches, interval, timeout)
    except anthropic.APIStatusError as exc:  # retrieve/results refused (404: batch gone)
        return str(api_error(exc))
    except anthropic.APIConnectionError as exc:  # retrieve/results could not connect
        return f"{unreachable_error(exc)} (collect again to retry)"
    except (ApiError, anthropic.APIError) as exc:  # refused redo, or transient errors outlasted
        return f"{exc} (collect again to retry)"
    return None
