"""``clauselens export``: write the published records (JSON, JSONL, CSV, Parquet), or their
record pages as a static site (``--format html``, ``web.site``)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import BinaryIO

import click

from clauselens.cli._common import handles_errors, state
from clauselens.errors import UsageError
from clauselens.export import FORMATS, STATUS_FILTERS, ExportFilters, write_export


@click.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice([*FORMATS, "html"]),
    default="json",
    show_default=True,
    help="html: the record pages as a static site in the folder --out.",
)
@click.option(
    "--out",
    "out",
    default="-",
    show_default=True,
    metavar="PATH|-",
    help="Output file; - is stdout. With --format html, a folder.",
)
@click.option("--entity", help="Only this entity (case-insensitive).")
@click.option("--document", help="Only this document: a document id (CL-D-...) or a title.")
@click.option(
    "--status",
    type=click.Choice([s for s in STATUS_FILTERS if s != "default"]),
    default=None,
    help="approved: approved or edited; reviewed: any analyst decision, rejected included; "
    "all: everything, rejected included. Default: everything but rejected.",
)
@click.option(
    "--severity", type=click.Choice(["high", "medium", "low"]), help="Only this severity."
)
@click.option(
    "--since", metavar="DATE", help="Only records whose version, analysis or review is this recent."
)
@click.option("--analyzer", type=click.Choice(["claude", "offline"]), help="Only this analyzer.")
@click.option("--generated-at", metavar="ISO", help="Fix the header time (reproducible output).")
@handles_errors
def command(
    fmt: str,
    out: str,
    entity: str | None,
    document: str | None,
    status: str | None,
    severity: str | None,
    since: str | None,
    analyzer: str | None,
    generated_at: str | None,
) -> None:
    """Export one record per provision from the latest version of each document.

    Failed analyses and provisions without an analysis are left out and counted in the summary
    printed on stderr.
    """
    filters = ExportFilters.of(
        entity=entity,
        document=document,
        status=status,
        severity=severity,
        since=since,
        analyzer=analyzer,
    )
    if fmt == "html":
        _write_site(out, filters)
        return
    dest: Path | BinaryIO = Path(out)
    if out == "-":
        dest = sys.stdout.buffer
    try:
        stats = write_export(state().engine, fmt, dest, filters, generated_at=generated_at)
    except BrokenPipeError:  # the reader went away (`| head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(1)
    click.echo(stats.summary(), err=True)


def _write_site(out: str, filters: ExportFilters) -> None:
    from clauselens.web.site import write_site

    if out == "-":
        raise UsageError("--format html writes a folder: give one with --out DIR")
    stats = write_site(state().engine, Path(out), filters)
    click.echo(f"{stats.summary()}; pages in {out}/index.html", err=True)
