"""``clauselens run PATH...``: the main job (ingest, segment, analyse, flag, store)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import click
import sqlalchemy as sa
from rich.console import Console
from rich.table import Table

from clauselens.analyzers import CHOICES, resolve
from clauselens.cli._common import (
    allow_root_option,
    console,
    effort_option,
    handles_errors,
    state,
)
from clauselens.cli._progress import IngestDisplay, RunProgress
from clauselens.cli.ingest import metadata_options
from clauselens.config import api_key_present
from clauselens.errors import UsageError
from clauselens.pipeline.ingest.progress import reporting
from clauselens.pipeline.runs.estimate import DryRun
from clauselens.pipeline.runs.estimate import dry_run as estimate_run
from clauselens.pipeline.runs.plan import RunOptions
from clauselens.pipeline.runs.pool import is_pooled, resume_pooled, run_pooled
from clauselens.pipeline.runs.queue import require_postgres
from clauselens.pipeline.runs.run import run
from clauselens.pipeline.runs.summary import Callbacks, RunSummary


def _tokens_row(summary: RunSummary) -> str:
    u = summary.usage
    return (
        f"input {u.input_tokens:,} · output {u.output_tokens:,} · "
        f"cache write {u.cache_creation_input_tokens:,} · cache read {u.cache_read_input_tokens:,}"
    )


def print_summary(summary: RunSummary) -> None:
    out = console()
    table = Table(title=f"run {summary.run_id}", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    c = summary.counts
    rows = [
        ("status", summary.status),
        ("analyzer", f"{summary.analyzer} · {summary.model} · prompt {summary.prompt_version}"),
        (
            "captures",
            f"{c.get('captures', 0)} ({c.get('new_versions', 0)} new versions, "
            f"{c.get('failed_captures', 0)} failed)",
        ),
        ("clauses seen", str(c.get("clauses_seen", 0))),
        ("analysed", str(c.get("analysed", 0))),
        ("reused", str(c.get("reused", 0))),
        ("heading-only (not analysed)", str(c.get("headings", 0))),
        ("triaged out", str(c.get("triaged", 0))),
        ("change analyses", str(c.get("change_analyses", 0))),
        ("failed", str(c.get("failed", 0))),
        ("flagged for review", str(c.get("flagged", 0))),
        ("tokens", _tokens_row(summary)),
        ("cost", f"${summary.cost_usd:,.4f}"),
    ]
    if c.get("claimed_elsewhere"):
        note = "claimed or analysed by another run on this store meanwhile; not sent"
        rows.insert(5, ("left to other runs", f"{c['claimed_elsewhere']} ({note})"))
    if c.get("synthetic"):
        note = "answered by clauselens' fake API server, not Claude; no cost counted"
        rows.insert(5, ("synthetic", f"{c['synthetic']} ({note})"))
    if summary.batch_ids:
        rows.append(("batches", ", ".join(summary.batch_ids)))
    for name, value in rows:
        table.add_row(name, value)
    out.print(table)
    for capture in summary.failed_captures:
        click.echo(f"failed capture: {capture.path}: {capture.message}", err=True)
    for failure in summary.failures:
        click.echo(
            f"failed clause {failure.clause_pk} ({failure.heading}): {failure.error[:300]}",
            err=True,
        )
    if summary.fatal:
        click.echo(f"error: the run stopped: {summary.fatal}", err=True)
    if summary.counts.get("flagged"):
        click.echo(
            "next: `clauselens review list` or `clauselens serve` to review the flagged "
            "analyses, `clauselens export` for records",
            err=True,
        )
    if summary.status == "waiting":
        click.echo(
            f"batches submitted; collect with `clauselens run --resume {summary.run_id}`", err=True
        )


def compare_platforms(engine: sa.Engine, summary: RunSummary, *, quiet: bool = False) -> None:
    """After a run: compare the current provisions across platforms for the review queue's
    order (``similarity.uniqueness``); not while its batches are pending."""
    if summary.status == "waiting":
        return
    # imported here: the similarity stack (scipy, scikit-learn) costs seconds to import, and
    # `run --help`, `sync` without --run and the other commands do not need it
    from clauselens.similarity.uniqueness import place_uniqueness

    with Console(stderr=True).status("comparing provisions across platforms", spinner="line"):
        placed = place_uniqueness(engine)
    if placed.platforms >= 2 and not quiet:
        again = (
            f"{placed.recompared:,} compared again, the others unchanged; "
            if placed.recompared < placed.provisions
            else ""
        )
        click.echo(
            f"compared {placed.provisions:,} current provisions of {placed.platforms} "
            f"platforms: {placed.unique:,} unique ({again}{placed.seconds:.1f} s)",
            err=True,
        )


def report_run(engine: sa.Engine, summary: RunSummary) -> None:
    """``compare_platforms``, then the run's summary."""
    compare_platforms(engine, summary)
    print_summary(summary)


def print_dry_run(report: DryRun) -> None:
    out = console()
    out.print(
        f"dry run: {report.captures} capture(s), {report.clauses_seen} clauses, "
        f"{report.calls} call(s) needed, {report.reused} reused (no model call made)"
    )
    table = Table(title="estimated tokens and cost (method: README, 'Estimating a run')")
    for col in ("model", "mode", "calls", "input", "cache write", "cache read", "output", "cost"):
        table.add_column(col, justify="right" if col not in ("model", "mode") else "left")
    for e in report.estimates:
        u = e.usage
        table.add_row(
            e.model,
            e.mode,
            f"{e.calls:,}",
            f"{u.input_tokens:,}",
            f"{u.cache_creation_input_tokens:,}",
            f"{u.cache_read_input_tokens:,}",
            f"{u.output_tokens:,}",
            f"${e.cost_usd:,.2f}",
        )
    out.print(table)
    for model, method in report.methods.items():
        out.print(f"{model} tokens: {method}", soft_wrap=True)
    for model in dict.fromkeys(e.model for e in report.estimates):
        cost = {e.mode: e.cost_usd for e in report.estimates if e.model == model}
        if cost.get("direct") and cost.get("batches"):
            out.print(
                f"{model}: naive / planned cost = {cost['naive'] / cost['direct']:.1f}x direct, "
                f"{cost['naive'] / cost['batches']:.1f}x via batches"
            )
    for failed in report.failed_captures:
        click.echo(f"unreadable capture: {failed}", err=True)
    if report.failed_captures and not report.captures:
        click.echo("error: no capture could be read: nothing to estimate", err=True)


def _queued_note(workers: int) -> Callable[[int], None]:
    def note(total: int) -> None:
        click.echo(
            f"{total} clause texts queued for {workers} worker(s); "
            "`clauselens runs` shows the progress from any machine",
            err=True,
        )

    return note


@click.command("run")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--analyzer",
    type=click.Choice(CHOICES),
    default=None,
    help="Default: CLAUSELENS_ANALYZER, else the config file's analyzer, else auto.",
)
@click.option(
    "--model",
    "models",
    multiple=True,
    help="Claude model (default claude-sonnet-5-5). With --dry-run, repeat to compare models.",
)
@click.option("--concurrency", type=click.IntRange(1, 512), help="Requests in flight (default 8).")
@click.option("--rpm", type=click.IntRange(1), help="Requests-per-minute limit.")
@click.option("--tpm", type=click.IntRange(1), help="Tokens-per-minute limit.")
@click.option("--dry-run", is_flag=True, help="Estimate calls, tokens and cost; call nothing.")
@click.option(
    "--via",
    type=click.Choice(["messages", "batches"]),
    default="messages",
    show_default=True,
    help="Messages API, or the Message Batches API (50% cheaper).",
)
@click.option("--triage", is_flag=True, help="Send to Claude only what the offline triage keeps.")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=None,
    help="Start N local worker processes (PostgreSQL stores; `clauselens worker` adds more).",
)
@click.option(
    "--resume",
    "resume",
    metavar="RUN_ID",
    help="Collect a batches run's results, or see a run started with --workers through "
    "(with --workers N: N local workers help).",
)
@metadata_options
@allow_root_option
@effort_option
@handles_errors
def command(
    paths: tuple[Path, ...],
    analyzer: str | None,
    models: tuple[str, ...],
    concurrency: int | None,
    rpm: int | None,
    tpm: int | None,
    dry_run: bool,
    via: str,
    triage: bool,
    workers: int | None,
    resume: str | None,
    **metadata: str | None,
) -> None:
    """Run the main job over captures: files, folders and manifests.

    Exit status: 0 when everything succeeded, 1 when some clauses or captures failed (they are
    listed), 2 for usage errors. With --dry-run: 1 when some captures cannot be read (listed).
    """
    st = state()
    if resume and is_pooled(st.engine, resume):
        summary = resume_pooled(st.engine, resume, st.settings, workers or 0)
        report_run(st.engine, summary)
        sys.exit(summary.exit_status)
    if resume:
        from clauselens.pipeline.runs.batches import resume_run

        with RunProgress("collecting") as progress:
            summary = resume_run(
                st.engine, resume, st.settings, Callbacks(progress.on_start, progress.on_result)
            )
        report_run(st.engine, summary)
        sys.exit(summary.exit_status)
    if not paths:
        raise UsageError("give at least one PATH (a file, folder or manifest), or --resume RUN_ID")
    if dry_run:
        chosen = list(models) or [st.settings.model]
        estimate = estimate_run(
            st.read_engine, list(paths), st.settings, chosen, count_tokens=api_key_present()
        )
        print_dry_run(estimate)
        sys.exit(1 if estimate.failed_captures else 0)
    if len(models) > 1:
        raise UsageError("--model can be repeated only with --dry-run")
    options = RunOptions(
        analyzer=analyzer,
        model=models[0] if models else None,
        concurrency=concurrency,
        rpm=rpm,
        tpm=tpm,
        via="batches" if via == "batches" else "messages",
        triage=triage,
    )
    ingest_options = dict(metadata)
    if workers is not None:
        require_postgres(st.settings.db_url, "--workers")
    click.echo(resolve(analyzer or st.settings.analyzer)[1], err=True)
    if workers is not None:
        with IngestDisplay() as display, reporting(display):
            summary = run_pooled(
                st.engine,
                list(paths),
                st.settings,
                options,
                workers,
                Callbacks(display.closing_before(_queued_note(workers))),
                ingest_options=ingest_options,
            )
        report_run(st.engine, summary)
        sys.exit(summary.exit_status)
    with IngestDisplay() as display, reporting(display), RunProgress() as progress:
        summary = run(
            st.engine,
            list(paths),
            st.settings,
            options,
            Callbacks(display.closing_before(progress.on_start), progress.on_result),
            ingest_options=ingest_options,
        )
    report_run(st.engine, summary)
    sys.exit(summary.exit_status)
