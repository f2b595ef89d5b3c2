"""Analyze: send work items to an analyzer concurrently and commit each result as it completes.

At most ``concurrency`` requests are in flight, under the run's requests- and tokens-per-minute
limits; the analyzer's shared ``Backoff`` makes a 429 pause every worker. Results are written by
one writer thread, so the event loop never waits on the disk, in group commits: the results that
complete within ``LINGER`` seconds of each other, or while a transaction is being written, go
together in the next one (``persist.save_batch``, at most ``MAX_BATCH``). Without the linger a
run at concurrency 32 committed 1.8 results per transaction, and the writer's 550 commits took a
third of the client's CPU (``bench/run.py``). A worker hands its result over and goes on with
its next item; the result is counted and reported (the outcome, ``on_result``) only once its
transaction is committed. So a killed run loses only the results not yet committed (at most two
batches, or ``LINGER`` seconds of results), which the next run redoes, and a result is never
stored twice (its key is unique). A storage error stops the run. An authentication or
permission error (401/403) stops it too: every other request would fail the same way. Any other
refused request is a recorded failure of its clause, and the run goes on.

With a ``Claimer`` (every run has one), a worker sends only clauses it has claimed
(``claims``): items are claimed a round at a time (``concurrency`` of them) just before they
are sent; an item another run holds, or has analysed meanwhile, is left to it
(``Outcome.claimed_elsewhere``). A result's claim ends in the transaction that stores it; the
claims are renewed every third of their lease while the executor works, and what is left is
released when it stops.

While the workers run, the heap the run started with is frozen (``heap.frozen_heap``): a full
collection of the interpreter's objects would stop the event loop for 175-189 ms.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

import sqlalchemy as sa

from clauselens.analyzers.base import Analyzer
from clauselens.errors import ApiError, ApiUnreachableError, ClauselensError
from clauselens.pipeline.analyze.claims import Claimer
from clauselens.pipeline.analyze.heap import frozen_heap
from clauselens.pipeline.analyze.persist import save_batch
from clauselens.pipeline.analyze.work import WorkItem
from clauselens.pricing import cost_usd
from clauselens.schemas import AnalysisResult, Failure, Provenance, Usage

log = logging.getLogger(__name__)

FATAL_STATUS = (401, 403)
CHARS_PER_TOKEN = 4
MAX_BATCH = 128  # results per transaction at most
LINGER = 0.05  # seconds a result waits for others to share its transaction


@dataclass
class Outcome:
    """What one executor saw in this process (a run's summary counts from the store instead:
    ``pipeline.runs.summary``)."""

    analysed: int = 0
    triaged: int = 0
    claimed_elsewhere: int = 0  # items left to another run that claimed (or analysed) them
    failures: list[Failure] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    cost_usd: float = 0.0
    fatal: ClauselensError | None = None

    def add(self, item: WorkItem, result: AnalysisResult) -> None:
        self.usage += result.provenance.usage
        self.cost_usd += result.provenance.cost_usd
        if result.status == "valid":
            self.analysed += 1
            self.triaged += int(result.triaged_out)
        else:
            heading = " > ".join(item.input.heading_path) or "(no heading)"
            self.failures.append(Failure(item.clause_pk, heading, result.error or "failed"))


OnResult = Callable[[WorkItem, AnalysisResult], None]


class Limiter(Protocol):
    """Waits until one more request of ``tokens`` fits the run's limits
    (``pipeline.runs.ratelimit.RateLimiter``)."""

    async def acquire(self, tokens: int) -> None: ...


class _NoLimit:
    async def acquire(self, tokens: int) -> None:
        return None


def estimated_tokens(item: WorkItem, output_tokens: int) -> int:
    """A request's size for the tokens-per-minute limit (prompt characters / 4 + output)."""
    return len(item.input.prompt_text) // CHARS_PER_TOKEN + 1500 + output_tokens


def failure_result(item: WorkItem, analyzer: Analyzer, error: ApiError) -> AnalysisResult:
    """A refused request recorded as the clause's failed analysis, with what it had cost."""
    usage = Usage.model_validate(error.usage)
    return AnalysisResult(
        clause_sha256=item.input.clause_sha256,
        status="failed",
        analysis=None,
        error=f"api_error: {error}",
        provenance=Provenance(
            analyzer="claude" if analyzer.name == "claude" else "offline",
            model=analyzer.model,
            prompt_id=analyzer.name,
            prompt_version=analyzer.prompt_version,
            request_id=error.request_id,
            usage=usage,
            cost_usd=cost_usd(analyzer.model, usage),
            generated_at=datetime.now(UTC),
        ),
        input_truncated=item.input.truncated,
    )


class Executor:
    """Runs one analyzer over many work items (see the module docstring)."""

    def __init__(
        self,
        engine: sa.Engine,
        analyzer: Analyzer,
        *,
        concurrency: int,
        limiter: Limiter | None = None,
        run_id: str | None = None,
        output_tokens: int = 1000,
        triage: Callable[[WorkItem], AnalysisResult | None] | None = None,
        on_result: OnResult | None = None,
        claimer: Claimer | None = None,
    ) -> None:
        self.engine = engine
        self.analyzer = analyzer
        self.concurrency = concurrency
        self.limiter: Limiter = limiter or _NoLimit()
        self.run_id = run_id
        self.output_tokens = output_tokens
        self.triage = triage
        self.on_result = on_result
        self.claimer = claimer
        self.outcome = Outcome()
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clauselens-writer")
        self._waiting: list[tuple[WorkItem, AnalysisResult]] = []
        self._room = asyncio.Event()  # set when the writer takes a batch
        self._full = asyncio.Event()  # set when a batch is waiting in full (commit it now)
        self._done = False  # every worker has finished: commit what waits without lingering
        self._flusher: asyncio.Task[None] | None = None
        self._stopped: BaseException | None = None  # a storage error (or a callback's)
        self._claimed: deque[WorkItem] = deque()  # claimed, not yet taken by a worker
        self._claiming = asyncio.Lock()

    async def _commit(self, item: WorkItem, result: AnalysisResult) -> None:
        """Hand the result to the writer; it is counted and reported once committed. Waits
        only while a full batch is already waiting (so little is ever uncommitted)."""
        while len(self._waiting) >= MAX_BATCH and self._stopped is None:
            self._room.clear()
            await self._room.wait()
        self._waiting.append((item, result))
        if len(self._waiting) >= MAX_BATCH:
            self._full.set()
        if self._flusher is None:
            self._flusher = asyncio.create_task(self._flush())

    async def _flush(self) -> None:
        """Commit the waiting results a batch at a time until none is left, then report each
        committed result. An error stops the run: no worker takes another item."""
        loop = asyncio.get_running_loop()
        try:
            while self._waiting and self._stopped is None:
                await self._linger()
                batch, self._waiting = self._waiting[:MAX_BATCH], self._waiting[MAX_BATCH:]
                self._room.set()
                pending = [(result, item.clause_pk) for item, result in batch]
                holder = self.claimer.holder if self.claimer else None
                await loop.run_in_executor(
                    self._writer, save_batch, self.engine, pending, self.run_id, holder
                )
                for item, result in batch:
                    self.outcome.add(item, result)
                    if self.on_result:
                        self.on_result(item, result)
        except Exception as exc:
            self._stopped = exc
            self._room.set()
        finally:
            self._flusher = None

    async def _linger(self) -> None:
        """Wait up to ``LINGER`` seconds for more results to share the next transaction, unless
        a full batch is waiting or the workers are done."""
        if len(self._waiting) >= MAX_BATCH or self._done:
            return
        self._full.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._full.wait(), LINGER)

    async def _result(self, item: WorkItem) -> AnalysisResult:
        result = self.triage(item) if self.triage else None
        if result is not None:
            return result
        await self.limiter.acquire(estimated_tokens(item, self.output_tokens))
        try:
            return await self.analyzer.analyze(item.input)
        except ApiError as exc:
            if exc.status_code in FATAL_STATUS or isinstance(exc, ApiUnreachableError):
                raise
            return failure_result(item, self.analyzer, exc)

    async def _take(self, queue: asyncio.Queue[WorkItem]) -> WorkItem | None:
        """The next item to send, claimed first when there is a claimer; None when none is
        left."""
        if self.claimer is None:
            return None if queue.empty() else queue.get_nowait()
        async with self._claiming:  # one claim at a time; the others wait for its round
            while not self._claimed and not queue.empty():
                batch = [queue.get_nowait() for _ in range(min(self.concurrency, queue.qsize()))]
                shas = [item.input.clause_sha256 for item in batch]
                loop = asyncio.get_running_loop()
                held = await loop.run_in_executor(self._writer, self.claimer.take, shas)
                for item in batch:
                    if item.input.clause_sha256 in held:
                        self._claimed.append(item)
                    else:
                        self.outcome.claimed_elsewhere += 1
            return self._claimed.popleft() if self._claimed else None

    async def _worker(self, queue: asyncio.Queue[WorkItem]) -> None:
        """Take items until none is left: analyse one, hand it to the writer, take the next
        (the writer's commit does not hold up the next request)."""
        while self._stopped is None:
            item = await self._take(queue)
            if item is None:
                return
            try:
                result = await self._result(item)
            except ApiError as exc:
                self.outcome.fatal = exc
                while not queue.empty():  # drain: nothing else can succeed
                    queue.get_nowait()
                self._claimed.clear()
                return
            await self._commit(item, result)

    async def _renew_claims(self) -> None:
        """Renew the claims every third of their lease until cancelled."""
        if self.claimer is None:
            return
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self.claimer.lease / 3)
            try:
                await loop.run_in_executor(self._writer, self.claimer.renew)
            except sa.exc.SQLAlchemyError as exc:  # the next renewal may get through
                log.warning("could not renew the run's claims: %s", exc)

    def _release_claims(self) -> None:
        """End the claims not ended with a stored result (items not sent, or lost)."""
        if self.claimer is None:
            return
        try:
            self.claimer.release_all()
        except sa.exc.SQLAlchemyError as exc:  # they expire with their lease
            log.warning("could not release the run's claims (they expire): %s", exc)

    async def run(self, items: Sequence[WorkItem]) -> Outcome:
        queue: asyncio.Queue[WorkItem] = asyncio.Queue()
        for item in items:
            queue.put_nowait(item)
        workers = min(self.concurrency, max(1, len(items)))
        renewing = asyncio.create_task(self._renew_claims())
        try:
            with frozen_heap():  # no full collection stalls the requests in flight
                await asyncio.gather(*(self._worker(queue) for _ in range(workers)))
            self._done = True
            self._full.set()
            while self._flusher is not None:  # the last batches
                await self._flusher
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
            self._writer.shutdown(wait=True)
            self._release_claims()
        if self._stopped is not None:
            raise self._stopped
        return self.outcome
