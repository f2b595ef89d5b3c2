"""``clauselens ingest PATH...``: files, folders and manifests into the store."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from clauselens.cli._common import allow_root_option, echo_json, handles_errors, state
from clauselens.cli._progress import IngestDisplay
from clauselens.pipeline.ingest.captures import IngestReport, ingest


def metadata_options(fn: click.decorators.FC) -> click.decorators.FC:
    """Options that give capture metadata (they win over a manifest and the path)."""
    for name, help_ in reversed(
        [
            ("--entity", "Entity (platform) the document belongs to."),
            ("--title", "Document title, e.g. 'Terms of Service'."),
            ("--terms-type", "Terms type (defaults to the title)."),
            ("--captured-at", "Capture time, ISO 8601."),
            ("--source-url", "Where the capture was fetched from."),
            ("--archive-url", "An archived copy (e.g. Wayback Machine)."),
        ]
    ):
        fn = click.option(name, default=None, help=help_)(fn)
    return fn


def print_report(report: IngestReport) -> None:
    for outcome in report.failed:
        click.echo(f"failed: {outcome.path}: {outcome.message}", err=True)
    failed = report.count("failed")
    click.echo(
        f"ingested {len(report.outcomes) - failed} of {len(report.outcomes)} capture(s): "
        f"{report.count('new_version')} new version(s), "
        f"{report.count('unchanged')} unchanged, "
        f"{report.count('already_ingested')} already ingested, "
        f"{report.count('failed')} failed"
    )


@click.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@metadata_options
@allow_root_option
@click.option("--json", "as_json", is_flag=True, help="Print each capture's outcome as JSON.")
@handles_errors
def command(
    paths: tuple[Path, ...],
    as_json: bool,
    **metadata: str | None,
) -> None:
    """Ingest captures: files (Markdown, text, HTML, PDF), folders and manifests (JSONL/CSV).

    Exit status 1 when any capture failed (the others are stored).
    """
    st = state()
    options = dict(metadata)
    with IngestDisplay() as display:
        report = ingest(st.engine, list(paths), st.settings, options, display)
    if as_json:
        echo_json([o.__dict__ for o in report.outcomes])
    else:
        print_report(report)
    if report.failed:
        sys.exit(1)
