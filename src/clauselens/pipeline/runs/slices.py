"""Slices: a run's work cut into jobs for workers, and one slice analysed by a worker.

A run planned for workers (``pool``) puts its work items in slices of ``SLICE`` items, each
a job (``queue``) naming the run and the items (``work.item_entry``). ``analyse_slice`` is a
job's body on whichever worker takes it: it rebuilds the run's analyzer from the run's record
(analyzer, model, prompt version, rate limits, triage), the items from their entries, and hands
them to the one analysis executor (``analyze.executor.Executor``) with the run's claims, so a
slice on any machine sends, stores and counts as the messages transport does, and no clause is
paid twice: a text another process holds is left to it, a text already analysed is not sent.

A slice whose texts are not all stored when its executor ends (some were held by another
process: a worker killed mid-slice holds its claims until their lease runs out) raises
``SliceNotDone``; the queue retries the job later, when those claims have been finished or
have expired.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from clauselens import analyzers
from clauselens.analyzers.backoff import Backoff
from clauselens.config import Settings
from clauselens.errors import ClauselensError, ConfigError
from clauselens.pipeline.analyze.claims import Claimer
from clauselens.pipeline.analyze.executor import Executor, Limiter
from clauselens.pipeline.analyze.work import ItemLoader, WorkItem, item_entry
from clauselens.pipeline.runs import records
from clauselens.pipeline.runs.plan import RunOptions, effective_settings, triage_for
from clauselens.pipeline.runs.shared_limit import SharedRateLimiter, key_digest
from clauselens.schemas import RunRecord
from clauselens.store.queries.pending import AnalyzerKey, stored_keys, synthetic_done

SLICE = 64  # work items a job at most

Entry = dict[str, Any]


class SliceNotDone(ClauselensError):
    """Some texts of a slice were held by another process and are not stored yet."""

    def __init__(self, run_id: str, left: int) -> None:
        super().__init__(f"run {run_id}: {left} clause(s) of the slice held elsewhere; retried")
        self.run_id = run_id
        self.left = left


@dataclass(frozen=True)
class SliceReport:
    """What one slice did in this worker (the run's counts come from the store)."""

    analysed: int
    failed: int
    claimed_elsewhere: int


def cut(items: Sequence[WorkItem], size: int = SLICE) -> list[list[Entry]]:
    """The run's work items as the entries of consecutive slices of ``size``."""
    entries = [item_entry(item) for item in items]
    return [entries[i : i + size] for i in range(0, len(entries), size)]


def _stored(engine: sa.Engine, key: AnalyzerKey, shas: set[str]) -> set[str]:
    with engine.connect() as conn:
        return stored_keys(conn, key, shas)


def run_settings(settings: Settings, record: RunRecord) -> Settings:
    """This worker's settings with the run's model and rate limits."""
    options = record.options
    return effective_settings(
        settings, RunOptions(model=record.model, rpm=options.get("rpm"), tpm=options.get("tpm"))
    )


async def analyse_slice(
    engine: sa.Engine,
    settings: Settings,
    run_id: str,
    entries: Sequence[Entry],
    *,
    limiter: Limiter | None = None,
    env: Mapping[str, str] | None = None,
) -> SliceReport:
    """Analyse a slice of ``run_id``'s work in this process (module docstring). ``limiter``:
    default, the key's minute budget shared in the store (``shared_limit``)."""
    record = await asyncio.to_thread(records.get_run, engine, run_id)  # the loop beats on
    settings = run_settings(settings, record)
    analyzer = analyzers.build(record.analyzer, settings, Backoff())
    if (analyzer.model, analyzer.prompt_version) != (record.model, record.prompt_version):
        await analyzer.aclose()
        raise ConfigError(
            f"run {run_id} analyses with {record.model} prompt {record.prompt_version}; this "
            f"worker has {analyzer.model} prompt {analyzer.prompt_version} (another clauselens "
            "version?)"
        )
    key = AnalyzerKey(record.analyzer, record.model, record.prompt_version)
    loader = ItemLoader(engine, settings)
    items = await asyncio.to_thread(lambda: [loader.item(entry) for entry in entries])
    if limiter is None:
        key_env = os.environ if env is None else env
        limiter = SharedRateLimiter(engine, key_digest(key_env), settings.rpm, settings.tpm)
    executor = Executor(
        engine,
        analyzer,
        concurrency=settings.concurrency,
        limiter=limiter,
        run_id=run_id,
        triage=triage_for(record.analyzer, bool(record.options.get("triage")), settings),
        claimer=Claimer(
            engine,
            key,
            run_id,
            lease=settings.claim_lease,
            synthetic=synthetic_done(settings.base_url),
        ),
    )
    try:
        outcome = await executor.run(items)
    finally:
        await analyzer.aclose()
    if outcome.fatal is not None:
        raise outcome.fatal
    shas = {item.input.clause_sha256 for item in items}
    left = shas - await asyncio.to_thread(_stored, engine, key, shas)
    if left:
        raise SliceNotDone(run_id, len(left))
    return SliceReport(outcome.analysed, len(outcome.failures), outcome.claimed_elsewhere)
