"""``clauselens schema``: print the versioned JSON Schema of the export record."""

from __future__ import annotations

import json
from pathlib import Path

import click

from clauselens.cli._common import handles_errors
from clauselens.schemas.export import export_json_schema


@click.command("schema")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to a file.")
@click.option(
    "--document", "whole", is_flag=True, help="The schema of the whole --format json output."
)
@handles_errors
def command(out: Path | None, whole: bool) -> None:
    """Print the JSON Schema (draft 2020-12) of the export record, with its $id and version."""
    text = json.dumps(export_json_schema(document=whole), indent=2, ensure_ascii=False) + "\n"
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}", err=True)
