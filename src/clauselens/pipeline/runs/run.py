"""Run: the main job. Ingest captures, find the clauses that need analysis, analyse them,
flag, store, analyse the changes, and record the run.

``arun`` plans the run (``plan.plan_run``: analyzer, ingest, run record, work) and hands the
plan to its transport: ``messages`` (one request a clause, concurrently) or ``batches`` (the
Message Batches API, collected later by ``batches.aresume_run``). Both end in
``summary.finish``, which counts from the store. ``run`` is ``arun`` for synchronous code; inside
a running event loop it raises ``UsageError`` before doing anything.

``run`` and ``arun`` are library functions: the CLI gives them paths, options and callbacks for
progress, and formats the ``RunSummary`` they return.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path

import sqlalchemy as sa

from clauselens.config import Settings
from clauselens.pipeline.ingest.captures import IngestReport
from clauselens.pipeline.runs import messages
from clauselens.pipeline.runs._sync import no_running_loop
from clauselens.pipeline.runs.plan import RunOptions, RunPlan, Via, plan_run
from clauselens.pipeline.runs.summary import Callbacks, RunSummary

__all__ = ["TRANSPORTS", "Callbacks", "RunOptions", "RunSummary", "arun", "run"]

Transport = Callable[[RunPlan, Callbacks], Awaitable[RunSummary]]


async def _batches(plan: RunPlan, callbacks: Callbacks) -> RunSummary:
    from clauselens.pipeline.runs import batches  # loads the SDK: only batches runs need it

    return await batches.submit(plan, callbacks)


TRANSPORTS: dict[Via, Transport] = {"messages": messages.send, "batches": _batches}


async def arun(
    engine: sa.Engine,
    paths: list[Path],
    settings: Settings,
    options: RunOptions,
    callbacks: Callbacks | None = None,
    env: Mapping[str, str] | None = None,
    ingest_options: Mapping[str, object] | None = None,
    ingested: IngestReport | None = None,
) -> RunSummary:
    """Take the captures under ``paths`` through every stage; see the module docstring.
    ``ingested``: captures already ingested (``clauselens sync --run``); ``paths`` only labels."""
    plan = plan_run(engine, paths, settings, options, env, ingest_options, ingested)
    return await TRANSPORTS[plan.via](plan, callbacks or Callbacks())


def run(
    engine: sa.Engine,
    paths: list[Path],
    settings: Settings,
    options: RunOptions,
    callbacks: Callbacks | None = None,
    env: Mapping[str, str] | None = None,
    ingest_options: Mapping[str, object] | None = None,
    ingested: IngestReport | None = None,
) -> RunSummary:
    """``arun`` from synchronous code; inside a running event loop, ``UsageError`` at once."""
    no_running_loop("run", "arun")
    return asyncio.run(
        arun(engine, paths, settings, options, callbacks, env, ingest_options, ingested)
    )
