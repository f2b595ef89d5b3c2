"""``clauselens analyze PATH_OR_DOCUMENT``: analyse one document's clauses, one at a time."""

from __future__ import annotations

import sys

import click
import sqlalchemy as sa

from clauselens.analyzers import CHOICES, resolve
from clauselens.cli._common import (
    allow_root_option,
    echo_json,
    effort_option,
    handles_errors,
    state,
)
from clauselens.cli._progress import IngestDisplay, RunProgress
from clauselens.cli.ingest import metadata_options
from clauselens.cli.run import compare_platforms, print_summary
from clauselens.pipeline.ingest.progress import reporting
from clauselens.pipeline.runs.document import analyze_document
from clauselens.pipeline.runs.plan import RunOptions
from clauselens.pipeline.runs.summary import Callbacks
from clauselens.store import tables as t


@click.command("analyze")
@click.argument("ref", metavar="PATH_OR_DOCUMENT")
@click.option("--clause", "clause_index", type=int, help="Only the clause with this index.")
@click.option(
    "--analyzer",
    type=click.Choice(CHOICES),
    default=None,
    help="Default: CLAUSELENS_ANALYZER, else the config file's analyzer, else auto.",
)
@click.option("--model", help="Claude model (default claude-sonnet-5-5).")
@click.option("--json", "as_json", is_flag=True, help="Print the stored analyses as JSON.")
@metadata_options
@allow_root_option
@effort_option
@handles_errors
def command(
    ref: str,
    clause_index: int | None,
    analyzer: str | None,
    model: str | None,
    as_json: bool,
    **metadata: str | None,
) -> None:
    """Analyse the clauses of one document and store the results.

    PATH_OR_DOCUMENT is a capture file (ingested first; metadata from the options or the path)
    or a stored document: its id, "Entity/Title", or a unique part of either.
    """
    st = state()
    note = resolve(analyzer or st.settings.analyzer)[1]
    if not as_json:
        click.echo(note, err=True)
    ingest_options = dict(metadata)
    with IngestDisplay() as display, reporting(display), RunProgress() as progress:
        result = analyze_document(
            st.engine,
            ref,
            st.settings,
            RunOptions(analyzer=analyzer, model=model),
            clause_index,
            Callbacks(display.closing_before(progress.on_start), progress.on_result),
            ingest_options=ingest_options,
        )
    if result.recognised:
        click.echo(result.recognised, err=True)
    compare_platforms(st.engine, result.summary, quiet=as_json)
    if as_json:
        a = t.analyses.c
        with st.engine.connect() as conn:
            rows = {
                r.id: r
                for r in conn.execute(
                    sa.select(a.id, a.status, a.analysis, a.error, a.provenance).where(
                        a.id.in_([pk for _, _, pk in result.clauses if pk])
                    )
                )
            }
        echo_json(
            [
                {
                    "index": idx,
                    "heading": heading,
                    "analysis_id": pk,
                    "status": rows[pk].status if pk else None,
                    "analysis": rows[pk].analysis if pk else None,
                    "error": rows[pk].error if pk else None,
                    "provenance": rows[pk].provenance if pk else None,
                }
                for idx, heading, pk in result.clauses
            ]
        )
    else:
        for idx, heading, pk in result.clauses:
            click.echo(f"#{idx:<4} analysis {pk if pk else '-':<6} {heading}")
        print_summary(result.summary)
    sys.exit(result.summary.exit_status)
