"""The messages transport: each clause is its own Messages API request (or offline call),
``concurrency`` in flight under the rate limits, each claimed just before it is sent and each
result committed as it completes; then the change analyses of the run's versions; then
``summary.finish``. Clauses another run claimed first are left to it (``claimed_elsewhere``).

``analyse_changes`` is also how a batches run gets its change analyses once collected.
"""

from __future__ import annotations

import sqlalchemy as sa

from clauselens.analyzers.base import Analyzer
from clauselens.config import Settings
from clauselens.pipeline.analyze.claims import ChangeClaimer, Claimer
from clauselens.pipeline.analyze.executor import Executor
from clauselens.pipeline.analyze.work import document_context_for
from clauselens.pipeline.runs.plan import RunPlan, triage_hook
from clauselens.pipeline.runs.ratelimit import RateLimiter
from clauselens.pipeline.runs.summary import Callbacks, RunSummary, finish, record_interrupted
from clauselens.pipeline.versions.change_analysis import analyze_changes
from clauselens.schemas import Failure
from clauselens.store.queries.pending import synthetic_done


async def analyse_changes(
    engine: sa.Engine, analyzer: Analyzer, version_pks: list[int], settings: Settings, run_id: str
) -> list[Failure]:
    """A change analysis for each modified provision of the versions, by the run's analyzer
    and paid for by ``run_id``, each claimed before it is sent (so that another run does not
    pay for it too); returns the changes that failed."""
    failed: list[Failure] = []
    claims = ChangeClaimer(engine, analyzer.name, run_id, lease=settings.claim_lease)
    for version_pk in version_pks:
        with engine.connect() as conn:
            document = document_context_for(conn, version_pk)
        report = await analyze_changes(
            engine,
            analyzer,
            version_pk,
            document=document,
            concurrency=settings.concurrency,
            run_id=run_id,
            claims=claims,
        )
        failed += [Failure(pk, "(change analysis)", error) for pk, error in report.failed]
    return failed


async def send(plan: RunPlan, callbacks: Callbacks) -> RunSummary:
    """Analyse the plan's work through the Messages API (or offline), then its changes."""
    if callbacks.on_start:
        callbacks.on_start(len(plan.work.items))
    settings = plan.settings
    claimer = Claimer(
        plan.engine,
        plan.key,
        plan.run_id,
        lease=settings.claim_lease,
        synthetic=synthetic_done(settings.base_url),
    )
    executor = Executor(
        plan.engine,
        plan.analyzer,
        concurrency=settings.concurrency,
        limiter=RateLimiter(settings.rpm, settings.tpm),
        run_id=plan.run_id,
        triage=triage_hook(plan),
        on_result=callbacks.on_result,
        claimer=claimer,
    )
    change_failures: list[Failure] = []
    try:
        outcome = await executor.run(plan.work.items)
        if plan.versions and outcome.fatal is None:
            change_failures = await analyse_changes(
                plan.engine, plan.analyzer, plan.versions, settings, plan.run_id
            )
    except BaseException:  # stopped before its end: recorded so, then raised on
        elsewhere = executor.outcome.claimed_elsewhere
        record_interrupted(plan.engine, plan.run_id, {"claimed_elsewhere": elsewhere})
        raise
    finally:
        await plan.analyzer.aclose()
    return finish(
        plan.engine,
        plan.run_id,
        note=plan.note,
        failed_captures=plan.report.failed,
        fatal=str(outcome.fatal) if outcome.fatal is not None else None,
        change_failures=change_failures,
        counts={"claimed_elsewhere": outcome.claimed_elsewhere},
    )
