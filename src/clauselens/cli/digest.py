"""``clauselens digest``: the governance digest of a period, as Markdown or one HTML file."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from clauselens.cli._common import handles_errors, state
from clauselens.export._filters import parse_time
from clauselens.export._writers import atomic_file
from clauselens.export.digest import build_digest, render_html, render_markdown

RENDERERS = {"md": render_markdown, "html": render_html}


@click.command("digest")
@click.option(
    "--since",
    default="7d",
    show_default=True,
    metavar="7d|2w|36h|DATE",
    help="Start of the period: a span before now, or an ISO date or time.",
)
@click.option(
    "--entity", "entities", multiple=True, metavar="E", help="Only this entity (repeatable)."
)
@click.option(
    "--format", "fmt", type=click.Choice(list(RENDERERS)), default="md", show_default=True
)
@click.option("--out", default="-", show_default=True, metavar="FILE|-", help="Output file.")
@click.option(
    "--record-base",
    metavar="URL",
    help="Where record pages are published: record ids link URL/records/CL-P-....",
)
@click.option("--now", metavar="ISO", help="End of the period (default: now; reproducible output).")
@handles_errors
def command(
    since: str,
    entities: tuple[str, ...],
    fmt: str,
    out: str,
    record_base: str | None,
    now: str | None,
) -> None:
    """Write the digest: substantive changes by severity with their impact, new high-severity
    provisions, provisions no other platform has, and the review backlog with its oldest item.
    """
    until = parse_time(now, what="now") if now else None
    digest = build_digest(state().engine, since, entities=list(entities), now=until)
    text = RENDERERS[fmt](digest, record_base=record_base)
    if out == "-":
        sys.stdout.write(text)
    else:
        with atomic_file(Path(out)) as fh:
            fh.write(text.encode("utf-8"))
    click.echo(
        f"{digest.change_count} change(s), {len(digest.high_provisions)} high-severity "
        f"provision(s), {len(digest.unique)} unique provision(s)",
        err=True,
    )
