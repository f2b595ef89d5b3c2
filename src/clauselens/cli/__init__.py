"""The ``clauselens`` command: a thin layer over the library.

Each command lives in a module of this package named for what it does; the group lists them
from ``COMMANDS`` and imports a module only when its command runs, so the CLI starts fast. A
command parses arguments, calls one library function and formats the result; library errors
become messages and exit codes in ``_common.handles_errors``.
"""

from __future__ import annotations

import importlib
import logging

import click

from clauselens import __version__
from clauselens.cli._common import State
from clauselens.config import load_settings

# Each command lives in the module of the same name; its one-line help is here so that
# ``clauselens --help`` lists commands without importing them (``tests/test_cli.py`` checks
# that every entry loads a command of that name).
COMMANDS: dict[str, str] = {
    "run": "Run the main job over captures: files, folders and manifests.",
    "runs": "List runs, newest first.",
    "worker": "Work the jobs of runs started with --workers, on this machine or any other.",
    "ingest": "Ingest captures: files (Markdown, text, HTML, PDF), folders and manifests.",
    "sync": "Sync the versions recorded in an Open Terms Archive versions repository.",
    "documents": "List each tracked document with its versions and dates.",
    "segment": "Segment FILE into clauses and print them.",
    "analyze": "Analyse the clauses of one document and store the results.",
    "batches": "Message Batches runs: list them, collect their results.",
    "review": "Review flagged analyses: list, show, approve, edit, reject, history.",
    "flags": "Flag rules: `flags rules` lists them; `flags recompute` applies changed rules.",
    "serve": "Serve the review page, record pages, feeds and the API on this machine.",
    "export": "Export one record per provision, with provenance.",
    "schema": "Print the JSON Schema of the export record.",
    "feed": "Write an Atom feed of the changes of tracked documents.",
    "digest": "Write the governance digest of a period (Markdown or HTML).",
    "changes": "Show the changes of a document between two versions.",
    "similar": "Show the provisions of other platforms most similar to a record.",
    "unique": "List the provisions no other platform has.",
    "check": "Check the API key and models, count a sample clause's tokens, print the cost.",
    "eval": "Measure analysis quality on gold sets, per analyzer, model and effort.",
    "db": "The store: migrations (status, upgrade) and copying it into another database.",
}


class LazyGroup(click.Group):
    """A group that imports a command's module only when that command runs."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        command = importlib.import_module(f"clauselens.cli.{cmd_name}").command
        assert isinstance(command, click.Command)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        with formatter.section("Commands"):
            formatter.write_dl(list(COMMANDS.items()))


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
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
