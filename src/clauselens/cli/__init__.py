"""The ``clauselens`` command: a thin layer over the library.

Each command lives in a module of this package named for what it does; the group imports them
from ``COMMAND_MODULES``. A command parses arguments, calls one library function and formats
the result; library errors become messages and exit codes in ``_common.handles_errors``.
"""

from __future__ import annotations

import importlib
import logging

import click

from clauselens import __version__
from clauselens.cli._common import State
from clauselens.config import load_settings

COMMAND_MODULES: tuple[str, ...] = (
    "ingest",
    "segment",
    "documents",
    "review",
    "flags",
    "serve",
    "run",
    "runs",
    "analyze",
    "batches",
    "export",
    "schema",
    "changes",
    "similar",
    "unique",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="clauselens")
@click.option(
    "--db",
    "db_url",
    metavar="URL",
    help="Store URL or SQLite path (env CLAUSELENS_DB; default ./clauselens.db).",
)
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
@click.pass_context
def main(ctx: click.Context, db_url: str | None, verbose: int) -> None:
    """Analyse platform policies clause by clause."""
    level = {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    ctx.obj = State(load_settings({"db_url": db_url}))


for _name in COMMAND_MODULES:
    _module = importlib.import_module(f"clauselens.cli.{_name}")
    main.add_command(_module.command)
