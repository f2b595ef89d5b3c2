"""Finish a batches run from what the store holds: counts, usage, cost, failures and status.

Everything is recomputed from the analyses stored under the run id, so the summary is the same
whether the batches were collected in one go, or by several interrupted processes.
"""

from __future__ import annotations

import sqlalchemy as sa

from clauselens.pipeline.analyze.executor import Failure
from clauselens.pipeline.runs import records as runs
from clauselens.pipeline.runs.run import RunSummary
from clauselens.schemas import Usage
from clauselens.schemas.runs import RunStatus
from clauselens.store import tables as t


def _flagged(conn: sa.Connection, run_id: str) -> int:
    a, f = t.analyses, t.flags
    query = (
        sa.select(sa.func.count(sa.distinct(f.c.analysis_pk)))
        .join(a, a.c.id == f.c.analysis_pk)
        .where(a.c.run_id == run_id)
    )
    return int(conn.execute(query).scalar_one())


def _uncollected(conn: sa.Connection, run_id: str) -> int:
    b = t.batches.c
    query = sa.select(sa.func.count()).where(b.run_id == run_id, b.collected_at.is_(None))
    return int(conn.execute(query).scalar_one())


def finish_run(engine: sa.Engine, run_id: str, fatal: str | None = None) -> RunSummary:
    """Update the run record from the store and return its summary.

    Status: ``waiting`` while a batch is uncollected, ``failed`` on a fatal error, ``partial``
    when a clause or capture failed or a batch was forgotten, else ``succeeded``."""
    run = runs.get_run(engine, run_id)
    a, c = t.analyses, t.clauses
    query = (
        sa.select(a.c.status, a.c.provenance, a.c.error, a.c.clause_pk, c.c.heading_path)
        .outerjoin(c, c.c.id == a.c.clause_pk)
        .where(a.c.run_id == run_id)
        .order_by(a.c.id)
    )
    usage, cost, analysed = Usage(), 0.0, 0
    failures: list[Failure] = []
    with engine.connect() as conn:
        for row in conn.execute(query):
            usage += Usage.model_validate(row.provenance.get("usage", {}))
            cost += float(row.provenance.get("cost_usd", 0.0))
            if row.status == "valid":
                analysed += 1
                continue
            heading = " > ".join(row.heading_path or ()) or "(no heading)"
            failures.append(Failure(int(row.clause_pk or 0), heading, row.error or "failed"))
        flagged = _flagged(conn, run_id)
        waiting = _uncollected(conn, run_id) > 0
        b = t.batches.c
        forgotten = conn.execute(
            sa.select(sa.func.count()).where(b.run_id == run_id, b.status == "forgotten")
        ).scalar_one()
    counts = {
        **run.counts,
        "analysed": analysed,
        "failed": len(failures),
        "flagged": flagged,
        "triaged": 0,
    }
    status: RunStatus
    if fatal is not None:
        status = "failed"
    elif waiting:
        status = "waiting"
    elif failures or forgotten or counts.get("failed_captures", 0):
        status = "partial"
    else:
        status = "succeeded"
    runs.update_run(
        engine,
        run_id,
        status=status,
        counts=counts,
        usage=usage,
        cost_usd=cost,
        finished=status != "waiting",
    )
    return RunSummary(
        run_id=run_id,
        analyzer=run.analyzer,
        model=run.model,
        prompt_version=run.prompt_version,
        status=status,
        analyzer_note="analyzer: claude (Message Batches)",
        counts=counts,
        usage=usage,
        cost_usd=cost,
        failures=failures,
        fatal=fatal,
        batch_ids=_batch_ids(engine, run_id),
    )


def _batch_ids(engine: sa.Engine, run_id: str) -> list[str]:
    b = t.batches.c
    with engine.connect() as conn:
        query = sa.select(b.batch_id).where(b.run_id == run_id).order_by(b.id)
        return list(conn.execute(query).scalars())
