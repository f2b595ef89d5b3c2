"""``clauselens sync REPO``: follow an Open Terms Archive versions repository."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click

from clauselens.analyzers import CHOICES, resolve
from clauselens.cli._common import echo_json, handles_errors, state
from clauselens.cli._progress import IngestDisplay
from clauselens.cli.run import compare_platforms, print_summary
from clauselens.pipeline.ingest.ota.sync import SyncOptions, SyncReport, counts, summary_line, sync
from clauselens.pipeline.ingest.ota.watch import Cycle, parse_interval, watch
from clauselens.pipeline.runs.plan import RunOptions
from clauselens.pipeline.runs.run import run
from clauselens.pipeline.runs.summary import RunSummary


def _print(report: SyncReport, as_json: bool) -> None:
    if as_json:
        echo_json(counts(report))
        return
    for failed in report.failed:
        click.echo(f"failed: {failed.path}: {failed.message}", err=True)
    if not report.archive_urls and not report.nothing_new:
        click.echo(
            "note: the repository's origin remote is not on GitHub: archive URLs left empty",
            err=True,
        )
    for problem in report.declaration_problems:
        click.echo(f"warning: declarations: {problem}", err=True)
    click.echo(summary_line(report))


def _run(report: SyncReport, repo: Path, analyzer: str | None) -> RunSummary | None:
    """The main job over the versions that arrived (nothing when none did)."""
    if not report.new_versions:
        return None
    st = state()
    click.echo(resolve(analyzer or st.settings.analyzer)[1], err=True)
    summary = run(
        st.engine,
        [repo],
        st.settings,
        RunOptions(analyzer=analyzer),
        ingested=report.ingest_report(),
    )
    compare_platforms(st.engine, summary)
    return summary


@click.command("sync")
@click.argument("repo", type=click.Path(path_type=Path, file_okay=False))
@click.option("--since", metavar="COMMIT|DATE", help="Sync the commits after COMMIT, or from DATE.")
@click.option("--service", "services", multiple=True, metavar="S", help="Only this service.")
@click.option("--terms-type", "terms_types", multiple=True, metavar="T", help="Only this type.")
@click.option(
    "--declarations",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The collection's declarations clone: source URLs as declared at each version's date.",
)
@click.option("--run", "then_run", is_flag=True, help="Then run the main job over what arrived.")
@click.option("--analyzer", type=click.Choice(CHOICES), default=None, help="With --run.")
@click.option("--watch", "interval", metavar="INTERVAL", help="git fetch and sync every INTERVAL.")
@click.option("--max-cycles", type=click.IntRange(1), help="With --watch: stop after N cycles.")
@click.option("--json", "as_json", is_flag=True, help="Print the sync report as JSON.")
@handles_errors
def command(
    repo: Path,
    since: str | None,
    services: tuple[str, ...],
    terms_types: tuple[str, ...],
    declarations: Path | None,
    then_run: bool,
    analyzer: str | None,
    interval: str | None,
    max_cycles: int | None,
    as_json: bool,
) -> None:
    """Sync the versions recorded in an Open Terms Archive versions repository.

    REPO is a git clone of the collection's versions repository.

    Each <Service>/<Terms type>.md version is ingested in history order; the last synced commit
    is remembered, so the next sync reads only new commits. Technical upgrades are recorded
    with cosmetic changes. INTERVAL: seconds, or 30s, 5m, 1h.

    Exit status: 0 when every version went in, 1 when some failed (listed; the others are
    stored) or the sync could not start (nothing stored), 2 for usage errors.
    """
    st = state()
    options = SyncOptions(since, services, terms_types, declarations)
    if interval is not None:
        _watch(repo, options, parse_interval(interval), max_cycles, then_run, analyzer, as_json)
        return
    with IngestDisplay() as display:
        report = sync(st.engine, repo, st.settings, options, display)
    _print(report, as_json)
    summary = _run(report, repo, analyzer) if then_run else None
    if summary is not None:
        print_summary(summary)
    sys.exit(1 if report.failed or (summary is not None and summary.exit_status) else 0)


def _watch(
    repo: Path,
    options: SyncOptions,
    interval: float,
    max_cycles: int | None,
    then_run: bool,
    analyzer: str | None,
    as_json: bool,
) -> None:
    st = state()

    def on_cycle(cycle: Cycle) -> None:
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if cycle.report is None:
            click.echo(f"{stamp} cycle {cycle.number}: fetch failed: {cycle.fetch_error}")
            return
        if as_json:
            echo_json({"cycle": cycle.number, "at": stamp, **counts(cycle.report)})
        else:
            click.echo(f"{stamp} cycle {cycle.number}: {summary_line(cycle.report)}")
        summary = _run(cycle.report, repo, analyzer) if then_run else None
        if summary is not None:
            click.echo(f"{stamp} cycle {cycle.number}: run {summary.run_id} {summary.status}")

    try:
        watch(st.engine, repo, st.settings, options, interval, on_cycle, max_cycles)
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
