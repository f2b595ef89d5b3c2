"""``clauselens segment FILE``: print the clauses of one capture (nothing is stored)."""

from __future__ import annotations

from pathlib import Path

import click

from clauselens.cli._common import echo_json, handles_errors, state
from clauselens.pipeline.ingest.captures import read_capture
from clauselens.pipeline.segment.clauses import segment


@click.command("segment")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the clauses as a JSON list.")
@handles_errors
def command(file: Path, as_json: bool) -> None:
    """Segment FILE into clauses and print them."""
    settings = state().settings
    _, extracted = read_capture(file, settings)
    clauses = segment(extracted.text, settings.segment)
    if as_json:
        echo_json(
            [
                {
                    "index": c.index,
                    "heading_path": c.heading_path,
                    "text": c.text,
                    "start": c.start,
                    "end": c.end,
                    "clause_sha256": c.clause_sha256,
                    "truncated": c.truncated,
                    "truncation_reason": c.truncation_reason,
                }
                for c in clauses
            ]
        )
        return
    for c in clauses:
        path = " > ".join(c.heading_path) or "(no heading)"
        words = len(c.text.split())
        flag = "  [truncated for the prompt]" if c.truncated else ""
        click.echo(f"#{c.index:<4} {path}  ({words} words, {c.start}-{c.end}){flag}")
    click.echo(f"{len(clauses)} clauses")
