"""``clauselens feed``: write the Atom feed of published changes to a file, for static hosting."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import BinaryIO

import click

from clauselens.cli._common import handles_errors, state
from clauselens.export._filters import parse_time
from clauselens.export.changes import CHANGE_CLASSES, LEVELS, ChangeFilters
from clauselens.export.feed import FEED_LIMIT, write_feed


@click.command("feed")
@click.option("--entity", help="Only this entity (case-insensitive).")
@click.option("--document", help="Only this document: a document id (CL-D-...) or a title.")
@click.option("--severity", type=click.Choice(LEVELS), help="Only changes of this severity.")
@click.option("--category", metavar="CODE", help="Only changes of provisions in this category.")
@click.option(
    "--class",
    "classes",
    type=click.Choice(CHANGE_CLASSES),
    multiple=True,
    help="Only this change class (repeatable). Default: added, removed, modified.",
)
@click.option("--since", metavar="DATE", help="Only changes captured at or after this date.")
@click.option(
    "--limit",
    type=click.IntRange(1, 10_000),
    default=FEED_LIMIT,
    show_default=True,
    help="At most this many entries, newest first.",
)
@click.option(
    "--base-url",
    metavar="URL",
    help="Where the static site is published: entries link URL/records/CL-P-....html "
    "(default: links relative to the feed, for a feed beside the site).",
)
@click.option("--out", default="-", show_default=True, metavar="FILE|-", help="Output file.")
@click.option("--generated-at", metavar="ISO", help="Fix the feed's updated time.")
@handles_errors
def command(
    entity: str | None,
    document: str | None,
    severity: str | None,
    category: str | None,
    classes: tuple[str, ...],
    since: str | None,
    limit: int,
    base_url: str | None,
    out: str,
    generated_at: str | None,
) -> None:
    """Write an Atom feed of the changes of tracked documents, one entry per change.

    Each entry has the change analysis, the severity and a link to the provision's record page
    (`clauselens export --format html` writes the pages).
    """
    filters = ChangeFilters.of(
        entity=entity,
        document=document,
        severity=severity,
        category=category,
        change_class=classes or None,
        since=since,
    )
    dest: Path | BinaryIO = sys.stdout.buffer if out == "-" else Path(out)
    at = parse_time(generated_at, what="generated_at") if generated_at else None
    count = write_feed(
        state().read_engine, filters, dest, base_url=base_url, limit=limit, generated_at=at
    )
    click.echo(f"{count} change(s) in the feed", err=True)
