"""A run record left ``running`` by a process of this machine that has ended (test data made
through the library's ``start_run``, then its owner pointed at a finished process)."""

from __future__ import annotations

import subprocess
import sys

import sqlalchemy as sa

from clauselens.pipeline.runs.records import start_run
from clauselens.store import tables as t


def dead_run(
    engine: sa.Engine,
    *,
    model: str = "claude-sonnet-5-5",
    prompt_version: str = "test0001",
    pidns: str | None = None,
) -> str:
    """The id of a ``running`` run whose owner process has exited (in another process id
    namespace when ``pidns`` is given)."""
    run_id = start_run(
        engine,
        analyzer="claude",
        model=model,
        prompt_version=prompt_version,
        via="messages",
        options={},
        paths=[],
    )
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    with engine.begin() as conn:
        (options,) = conn.execute(sa.select(t.runs.c.options).where(t.runs.c.id == run_id)).one()
        owner = {**options["_owner"], "pid": gone.pid}
        if pidns is not None:
            owner["pidns"] = pidns
        record = t.runs.update().where(t.runs.c.id == run_id)
        conn.execute(record.values(options={**options, "_owner": owner}))
    return run_id
