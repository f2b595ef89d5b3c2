"""``clauselens runs``: list batch runs with their counts, tokens and cost.

``synthetic``: analyses answered by clauselens' fake API server; their cost is not in ``cost``.
"""

from __future__ import annotations

import click
from rich.table import Table

from clauselens.cli._common import console, echo_json, handles_errors, state
from clauselens.pipeline.runs.records import list_runs


@click.command("runs")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--limit", type=click.IntRange(1), default=None, help="Only the latest N runs.")
@handles_errors
def command(as_json: bool, limit: int | None) -> None:
    """List runs, newest first."""
    records = list_runs(state().engine, limit)
    if as_json:
        echo_json([r.model_dump(mode="json") for r in records])
        return
    if not records:
        click.echo("No runs yet: run `clauselens run PATH`.")
        return
    table = Table()
    width = max(len(r.id) for r in records)  # ids whole: they are copied for --resume
    table.add_column("run", no_wrap=True, min_width=width)
    for col in ("started", "status", "analyzer", "model", "prompt"):
        table.add_column(col, overflow="fold")  # these give way first on a narrow terminal
    for col in ("seen", "analysed", "reused", "failed", "flagged", "synthetic", "tokens", "cost"):
        table.add_column(col, no_wrap=True, justify="right")
    for r in records:
        c = r.counts
        table.add_row(
            r.id,
            f"{r.started_at:%Y-%m-%d %H:%M}",
            r.status,
            r.analyzer,
            r.model,
            r.prompt_version,
            str(c.get("clauses_seen", 0)),
            str(c.get("analysed", 0)),
            str(c.get("reused", 0)),
            str(c.get("failed", 0)),
            str(c.get("flagged", 0)),
            str(c.get("synthetic", 0)),
            f"{r.usage.total:,}",
            f"${r.cost_usd:,.4f}",
        )
    console().print(table)
