"""``clauselens batches``: list stored Message Batches and collect the runs waiting on them."""

from __future__ import annotations

import sys

import click
from rich.table import Table

from clauselens.cli._common import console, echo_json, handles_errors, state
from clauselens.cli._progress import RunProgress
from clauselens.cli.run import report_run
from clauselens.pipeline.runs.batches import forget_batch, list_batches, resume_run, waiting_runs
from clauselens.pipeline.runs.summary import Callbacks


@click.group("batches")
def command() -> None:
    """Message Batches runs (`clauselens run --via batches`): list, collect, forget."""


@command.command("list")
@click.option("--run", "run_id", metavar="RUN_ID", help="Only the batches of this run.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@handles_errors
def list_command(run_id: str | None, as_json: bool) -> None:
    """List stored batches, oldest first."""
    records = list_batches(state().engine, run_id)
    if as_json:
        echo_json([vars(r) for r in records])
        return
    if not records:
        click.echo("No batches yet: run `clauselens run --via batches PATH`.")
        return
    table = Table()
    for col in ("batch", "run", "status", "requests", "submitted", "collected"):
        table.add_column(col)
    for r in records:
        collected = f"{r.collected_at:%Y-%m-%d %H:%M}" if r.collected_at else "-"
        table.add_row(
            r.batch_id,
            r.run_id,
            r.status,
            str(r.requests),
            f"{r.submitted_at:%Y-%m-%d %H:%M}",
            collected,
        )
    console().print(table)


@command.command("collect")
@click.argument("run_id", required=False)
@click.option(
    "--poll-interval",
    type=click.FloatRange(0),
    default=None,
    help="Seconds between polls of a batch in progress (default 30).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(0),
    default=None,
    help="Stop polling after this many seconds; the run stays waiting (default: wait).",
)
@handles_errors
def collect_command(run_id: str | None, poll_interval: float | None, timeout: float | None) -> None:
    """Poll, store results and finish RUN_ID (every waiting run when omitted).

    Exit status: 0 when every run succeeded or is still waiting, 1 when a clause failed.
    """
    st = state()
    run_ids = [run_id] if run_id else waiting_runs(st.engine)
    if not run_ids:
        click.echo("No run is waiting on batches.")
        return
    worst = 0
    for rid in run_ids:
        with RunProgress("collecting") as progress:
            summary = resume_run(
                st.engine,
                rid,
                st.settings,
                Callbacks(progress.on_start, progress.on_result),
                poll_interval=poll_interval,
                timeout=timeout,
            )
        report_run(st.engine, summary)
        worst = max(worst, summary.exit_status)
    sys.exit(worst)


@command.command("forget")
@click.argument("batch_id")
@handles_errors
def forget_command(batch_id: str) -> None:
    """Give up on BATCH_ID (its results expired): its run finishes with what it has, and its
    clauses without an analysis are sent again by the next run."""
    summary = forget_batch(state().engine, batch_id)
    report_run(state().engine, summary)
