"""``clauselens db``: the store itself: its migrations (``status``, ``upgrade``) and moving it to
another database (``copy``)."""

from __future__ import annotations

import sys

import click

from clauselens.cli._common import echo_json, handles_errors, state
from clauselens.config import normalise_db_url
from clauselens.store import store_status, upgrade_store
from clauselens.store.copy import copy_store
from clauselens.store.urls import display_url


@click.group("db")
def command() -> None:
    """The store: migrations (status, upgrade) and copying it into another database.

    The store is the one named by --db (env CLAUSELENS_DB): a SQLite path or URL, or a
    PostgreSQL URL (postgresql://USER@HOST/DB; needs `pip install 'clauselens[postgres]'`).
    """


@command.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@handles_errors
def status_command(as_json: bool) -> None:
    """List the store's migrations, applied (when) or pending; writes nothing.

    Exit status: 0 when the store is up to date, 1 when a migration is pending.
    """
    url = state().settings.db_url
    states = store_status(url)
    pending = [s.name for s in states if s.applied_at is None]
    if as_json:
        echo_json(
            {
                "store": display_url(url),
                "pending": pending,
                "migrations": [
                    {"name": s.name, "applied_at": s.applied_at, "known": s.known} for s in states
                ],
            }
        )
    else:
        click.echo(f"store: {display_url(url)}")
        for s in states:
            when = f"applied {s.applied_at:%Y-%m-%d %H:%M:%S}Z" if s.applied_at else "pending"
            note = "  (recorded by a newer clauselens)" if not s.known else ""
            click.echo(f"  {s.name:<40} {when}{note}")
        if pending:
            click.echo(f"{len(pending)} pending: run `clauselens db upgrade`")
        else:
            click.echo("up to date")
    sys.exit(1 if pending else 0)


@command.command("upgrade")
@handles_errors
def upgrade_command() -> None:
    """Create the store if needed and apply its pending migrations.

    Safe when several processes start at once: one applies, the others wait and find nothing
    left to do. (Every command that writes does this too; `upgrade` does only this.)
    """
    url = state().settings.db_url
    applied = upgrade_store(url)
    for name in applied:
        click.echo(f"applied {name}")
    click.echo(f"{display_url(url)}: up to date ({len(applied)} applied now)")


@command.command("copy")
@click.argument("source")
@click.argument("target")
@click.option("--json", "as_json", is_flag=True, help="Print the per-table report as JSON.")
@handles_errors
def copy_command(source: str, target: str, as_json: bool) -> None:
    """Copy every record of the store SOURCE into the empty store TARGET, and verify it.

    Typically SOURCE is a SQLite file and TARGET a new PostgreSQL database: captures, versions,
    clauses, analyses, reviews with their audit trail, runs, changes, the similarity index and
    the migrations record, each row with its own id. SOURCE is only read (run `clauselens db
    upgrade` on it first if it is out of date); a TARGET holding any row is refused. Each
    table's row count and checksum are compared afterwards; a mismatch keeps nothing.
    """
    report = copy_store(normalise_db_url(source), normalise_db_url(target))
    if as_json:
        echo_json(
            {
                "source": display_url(report.source),
                "target": display_url(report.target),
                "verified": report.verified,
                "tables": [vars(t) for t in report.tables],
            }
        )
        return
    for t in report.tables:
        click.echo(f"  {t.name:<18} {t.target_rows:>8} rows  checksum {t.target_checksum[:16]}  ok")
    click.echo(
        f"copied {report.rows} rows in {len(report.tables)} tables from "
        f"{display_url(report.source)} to {display_url(report.target)}: counts and checksums match"
    )
