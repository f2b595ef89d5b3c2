"""``clauselens similar RECORD_ID``: the provisions of other platforms most like one provision.

Prints the "similar on N of M platforms" line and a table of the nearest provisions of other
platforms (rank, score, entity, document, record id, heading, excerpt); those below the
similarity threshold are shown dimmed and marked, since they do not count as similar.
``--json``: the report as data (``provision``, ``cross_platform``, ``nearest``).
"""

from __future__ import annotations

import click
from rich.console import Console
from rich.table import Table
from rich.text import Text

from clauselens.cli._common import echo_json, handles_errors, state
from clauselens.similarity.provisions import SimilarReport, similar_provisions

HEADING_SEP = " › "


@click.command("similar")
@click.argument("record_id")
@click.option(
    "--top",
    "top_k",
    type=click.IntRange(1, 100),
    default=5,
    show_default=True,
    help="How many provisions of other platforms to show.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@handles_errors
def command(record_id: str, top_k: int, as_json: bool) -> None:
    """Show the provisions of other platforms most similar to RECORD_ID (a CL-P-... id).

    The similarity index is refreshed from the store first (incrementally; built on first use).
    """
    report = similar_provisions(state().engine, record_id.strip(), top_k)
    if as_json:
        echo_json(report.model_dump(mode="json"))
        return
    render(report, Console(highlight=False))


def platforms_line(similar_platforms: int, platforms_total: int, threshold: float) -> str:
    return (
        f"similar on {similar_platforms} of {platforms_total} other platforms "
        f"(threshold {threshold:g})"
    )


def render(report: SimilarReport, console: Console) -> None:
    """One block per match: rank, score, entity / document, record id; heading; excerpt."""
    p, cp = report.provision, report.cross_platform
    console.print(Text.assemble((p.record_id, "bold"), f"  {p.entity} / {p.document}"))
    console.print(Text(HEADING_SEP.join(p.heading_path) or "(no heading)", style="italic"))
    console.print(Text(p.excerpt))
    console.print(Text(platforms_line(cp.similar_platforms, cp.platforms_total, cp.threshold)))
    if not report.nearest:
        console.print("No provision of another platform shares a feature with it.")
        return
    table = Table(box=None, show_header=True, pad_edge=False, padding=(0, 1))
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("score", justify="right", no_wrap=True)
    table.add_column("entity / document · record id / heading / excerpt")
    for rank, m in enumerate(report.nearest, 1):
        cell = Text.assemble(
            (f"{m.entity} / {m.document}", "bold"),
            f"  {m.record_id}\n",
            (HEADING_SEP.join(m.heading_path) or "(no heading)", "italic"),
            f"\n{m.excerpt}",
        )
        score = f"{m.score:.4f}" + ("" if m.similar else "*")
        table.add_row(str(rank), score, cell, style=None if m.similar else "dim")
        if rank < len(report.nearest):
            table.add_row("", "", "")
    console.print()
    console.print(table)
    if not all(m.similar for m in report.nearest):
        console.print(f"* below the threshold {cp.threshold:g}: nearest, not counted as similar")
