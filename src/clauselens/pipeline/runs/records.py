"""Run records: what a batch run processed, with which analyzer, model and prompt, and how it
ended. A run is inserted when it starts (status ``running``) and completed when it ends; a run
stopped in its process (an exception, Ctrl-C) is recorded ``interrupted`` there, and one whose
process died shows as ``interrupted`` (and is recorded so by the next run started on this host:
``summary.reap_dead_runs``). A run not finished (running or interrupted) shows what it has
stored and spent so far: the counts, usage and cost of the analyses stored under its id.
"""

from __future__ import annotations

import os
import secrets
import socket
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from clauselens.errors import NotFoundError
from clauselens.schemas import RunRecord, RunStatus, Usage
from clauselens.store import tables as t
from clauselens.store.queries.runs import run_totals

COUNT_NAMES = ("captures", "clauses_seen", "analysed", "reused", "failed", "flagged", "triaged")


def new_run_id(now: datetime) -> str:
    return f"run-{now:%Y%m%dT%H%M%S}-{secrets.token_hex(3)}"


def start_run(
    engine: sa.Engine,
    *,
    analyzer: str,
    model: str,
    prompt_version: str,
    via: str,
    options: dict[str, Any],
    paths: list[str],
) -> str:
    now = datetime.now(UTC)
    run_id = new_run_id(now)
    owner = _this_process()
    with engine.begin() as conn:
        conn.execute(
            t.runs.insert().values(
                id=run_id,
                started_at=now,
                analyzer=analyzer,
                model=model,
                prompt_version=prompt_version,
                via=via,
                status="running",
                options={**options, "_owner": owner},
                counts=dict.fromkeys(COUNT_NAMES, 0),
                usage=Usage().model_dump(),
                cost_usd=0.0,
                paths=paths,
            )
        )
    return run_id


def _this_process() -> dict[str, Any]:
    return {"pid": os.getpid(), "host": socket.gethostname(), "pidns": _pid_namespace()}


def adopt_run(engine: sa.Engine, run_id: str) -> None:
    """Record a run ``running`` again, owned by this process (which resumes it), so that no
    other run reaps it as dead while it goes on."""
    r = t.runs.c
    with engine.begin() as conn:
        options = conn.execute(sa.select(r.options).where(r.id == run_id)).scalar_one()
        conn.execute(
            t.runs.update()
            .where(r.id == run_id)
            .values(
                status="running",
                finished_at=None,
                options={**options, "_owner": _this_process()},
            )
        )


def update_run(
    engine: sa.Engine,
    run_id: str,
    *,
    status: RunStatus,
    counts: dict[str, int],
    usage: Usage,
    cost_usd: float,
    finished: bool = True,
) -> None:
    values: dict[str, Any] = {
        "status": status,
        "counts": counts,
        "usage": usage.model_dump(),
        "cost_usd": round(cost_usd, 6),
        "finished_at": datetime.now(UTC) if finished else None,
    }
    with engine.begin() as conn:
        conn.execute(t.runs.update().where(t.runs.c.id == run_id).values(**values))


def merge_options(engine: sa.Engine, run_id: str, extra: dict[str, Any]) -> None:
    """Add ``extra`` to a run's recorded options (keys it has are replaced; the row is locked
    from the read to the write)."""
    query = sa.select(t.runs.c.options).where(t.runs.c.id == run_id).with_for_update()
    with engine.begin() as conn:
        options = {**conn.execute(query).scalar_one(), **extra}
        conn.execute(t.runs.update().where(t.runs.c.id == run_id).values(options=options))


def update_counts(engine: sa.Engine, run_id: str, counts: dict[str, int]) -> None:
    """Merge ``counts`` into the run's counts (its status and totals unchanged)."""
    with engine.begin() as conn:
        current = conn.execute(sa.select(t.runs.c.counts).where(t.runs.c.id == run_id)).scalar_one()
        conn.execute(
            t.runs.update().where(t.runs.c.id == run_id).values(counts={**current, **counts})
        )


def _pid_namespace() -> str:
    """The process id namespace (Linux), so that a container sharing the host's name does not
    judge another container's process ids; empty where there is none to read."""
    try:
        return os.readlink("/proc/self/ns/pid")
    except OSError:
        return ""


def _alive(owner: dict[str, Any]) -> bool:
    if owner.get("host") != socket.gethostname():
        return True  # cannot tell from here
    if owner.get("pidns", _pid_namespace()) != _pid_namespace():
        return True  # another container's process: cannot tell from here either
    try:
        os.kill(int(owner.get("pid", 0)), 0)
    except (OSError, ValueError):
        return False
    return True


def dead_runs(engine: sa.Engine) -> list[str]:
    """Runs still recorded ``running`` whose process, on this host, is gone (oldest first)."""
    r = t.runs.c
    query = sa.select(r.id, r.options).where(r.status == "running").order_by(r.started_at)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [run_id for run_id, options in rows if not _alive(options.get("_owner", {}))]


def _record(conn: sa.Connection, row: sa.Row[Any]) -> RunRecord:
    m = dict(row._mapping)
    if m["status"] == "running" and not _alive(m["options"].get("_owner", {})):
        m["status"] = "interrupted"
    m["usage"] = Usage.model_validate(m["usage"])
    if m["status"] in ("running", "interrupted"):
        spent = run_totals(conn, m["id"])
        m["usage"], m["cost_usd"] = spent.usage, round(spent.cost_usd, 6)
        m["counts"] = {**m["counts"], **spent.counts()}
    return RunRecord.model_validate(m)


def list_runs(engine: sa.Engine, limit: int | None = None) -> list[RunRecord]:
    query = sa.select(t.runs).order_by(t.runs.c.started_at.desc())
    if limit:
        query = query.limit(limit)
    with engine.connect() as conn:
        return [_record(conn, r) for r in conn.execute(query)]


def get_run(engine: sa.Engine, run_id: str) -> RunRecord:
    with engine.connect() as conn:
        row = conn.execute(sa.select(t.runs).where(t.runs.c.id == run_id)).first()
        if row is None:
            raise NotFoundError(f"no run {run_id!r}: see `clauselens runs`")
        return _record(conn, row)
