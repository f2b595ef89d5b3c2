"""``clauselens worker``: work the jobs of scale-out runs (PostgreSQL stores)."""

from __future__ import annotations

import asyncio

import click

from clauselens.cli._common import handles_errors, state
from clauselens.pipeline.runs.queue import HEARTBEAT, require_postgres, work


@click.command("worker")
@click.option(
    "--concurrency", type=click.IntRange(1, 512), help="Requests in flight in this worker."
)
@click.option(
    "--heartbeat",
    type=click.FloatRange(0.1),
    default=HEARTBEAT,
    show_default=True,
    help="Seconds between heartbeats; a worker silent for 3 is stalled and its jobs retried.",
)
@click.option("--until-empty", is_flag=True, help="Stop when the queue is empty.")
@handles_errors
def command(concurrency: int | None, heartbeat: float, until_empty: bool) -> None:
    """Work the jobs of runs started with --workers, on this machine or any other.

    Needs a PostgreSQL store (the jobs are queued in it); a SQLite store is an error (exit 2).
    Stops on SIGINT or SIGTERM once its job in hand is done.
    """
    st = state()
    require_postgres(st.settings.db_url, "`clauselens worker`")
    asyncio.run(
        work(
            st.engine,
            st.settings,
            concurrency=concurrency,
            heartbeat=heartbeat,
            wait=not until_empty,
        )
    )
