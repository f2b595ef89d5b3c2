"""``clauselens documents``: list tracked documents."""

from __future__ import annotations

import click

from clauselens.cli._common import echo_json, handles_errors, state
from clauselens.pipeline.ingest.captures import list_documents


@click.command("documents")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@handles_errors
def command(as_json: bool) -> None:
    """List each tracked document with its versions and dates."""
    rows = list_documents(state().engine)
    if as_json:
        echo_json([row.model_dump(mode="json") for row in rows])
        return
    if not rows:
        click.echo("No documents yet: run `clauselens ingest PATH`.")
        return
    for row in rows:
        click.echo(
            f"{row.document_id}  {row.entity} / {row.title}  versions={row.versions}  "
            f"first_tracked={row.first_tracked:%Y-%m-%d}  "
            f"last_verified={row.last_verified:%Y-%m-%d}  sha256={row.latest_content_sha256[:12]}"
        )
