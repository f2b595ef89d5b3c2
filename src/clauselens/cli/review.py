"""``clauselens review``: work the review queue from the terminal.

``list`` the queue a page at a time (most urgent flag first; ``--page``, ``--limit``), ``show``
one analysis, ``approve``, ``edit`` (``--set field=value`` with dotted paths, or ``--file
patch.json``), ``reject`` (a note is required), ``undo`` (the latest action) and ``history``.
The reviewer is ``--reviewer``, else ``CLAUSELENS_REVIEWER`` (or the config file), else the
login name. ``show`` prints the analysis's latest event; an action given ``--expect-event`` with
it is refused (exit 3, nothing stored) if someone else acted on the analysis since.
"""

from __future__ import annotations

import dataclasses
import getpass
import json
import textwrap
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import click

from clauselens import review
from clauselens.cli._common import echo_json, handles_errors, state
from clauselens.errors import ReviewError, UsageError
from clauselens.review import REVIEW_STATUSES, QueueFilter, ReviewEvent

P = ParamSpec("P")
R = TypeVar("R")
LEVELS = ("high", "medium", "low")
_WIDTH = 100


def resolve_reviewer(option: str | None) -> str:
    """``--reviewer`` > ``CLAUSELENS_REVIEWER`` / config > the login name."""
    return option or state().settings.reviewer or getpass.getuser()


reviewer_option = click.option(
    "--reviewer", help="Who is reviewing (default: CLAUSELENS_REVIEWER, else the login name)."
)
note_option = click.option("--note", help="Why: kept in the audit trail.")
expect_option = click.option(
    "--expect-event",
    type=click.IntRange(min=0),
    metavar="EVENT_ID",
    help="Act only if this is still the analysis's latest event, as `review show` printed it "
    "(0: not reviewed yet); otherwise refuse, store nothing and exit 3.",
)


@click.group("review")
def command() -> None:
    """Review flagged analyses: list, show, approve, edit, reject, undo, history."""


@command.command("list")
@click.option("--flag", help="Only analyses with this flag code.")
@click.option("--entity", help="Only analyses of this entity's documents.")
@click.option("--severity", type=click.Choice(LEVELS))
@click.option(
    "--status",
    type=click.Choice([*REVIEW_STATUSES, "any"]),
    default="pending",
    show_default=True,
)
@click.option(
    "--page",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Which page of the queue.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=review.PAGE_SIZE,
    show_default=True,
    help="Analyses a page.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@handles_errors
def list_command(
    flag: str | None,
    entity: str | None,
    severity: str | None,
    status: str,
    page: int,
    limit: int,
    as_json: bool,
) -> None:
    """List one page of the queue, what to review first at the top.

    Order: clauses with substantive text before a preamble, and both before clauses with
    nothing of substance (a date line, a language selector, a table of contents); then the
    most urgent flag; then severity; then clauses added or reworded in a later version before
    those of the first version; then provisions no other platform has before those fewer
    platforms share (as compared after the last run). Analyses of a superseded text (a later
    version reworded or removed it) come after every current one, saying which version
    replaced it; so do analyses of a text another analysis stands for (an offline analysis of
    a clause Claude also analysed), saying which. Each item says why it is where it is.
    """
    filters = QueueFilter(flag, entity, severity, None if status == "any" else status)
    got = review.queue_page(state().engine, filters, limit=limit, offset=(page - 1) * limit)
    if as_json:
        echo_json(
            {
                "items": [_item_json(i) for i in got.items],
                "total": got.total,
                "page": got.number,
                "pages": got.pages,
                "limit": got.limit,
                "counts_by_flag": got.counts,
            }
        )
        return
    if not got.items:
        where = f" on page {page} (there are {got.pages})" if got.total else ""
        click.echo(f"The queue is empty for these filters{where}.")
        return
    click.echo(f"{'ID':>5}  {'STATUS':<8}  {'SEV':<6}  {'CONF':<6}  {'ENTITY':<14}  TITLE / FLAGS")
    for item in got.items:
        click.echo(
            f"{item.analysis_pk:>5}  {item.review_status:<8}  {item.severity or '-':<6}  "
            f"{item.confidence or '-':<6}  {_cut(item.entity or '-', 14):<14}  "
            f"{_cut(item.title, 50)}"
        )
        if item.flags:
            click.echo(f"{'':>46}flags: {', '.join(f.code for f in item.flags)}")
        click.echo(f"{'':>46}why here: {item.why}")
    click.echo(f"\n{_page_line(got)}  By flag: " + _counts_line(got.counts))


def _page_line(got: review.QueuePage) -> str:
    first = got.offset + 1
    last = got.offset + len(got.items)
    line = f"{got.total} analyses"
    if got.pages > 1:
        line += f"; {first}-{last} shown, page {got.number} of {got.pages} (--page)"
    return line + "."


@command.command("show")
@click.argument("analysis_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@handles_errors
def show_command(analysis_id: int, as_json: bool) -> None:
    """Show one analysis with its clause, flags, provenance and history."""
    got = review.get_item(state().engine, analysis_id)
    if as_json:
        echo_json(
            {
                **_item_json(got.item),
                "clause_text": got.clause_text,
                "analysis": got.analysis,
                "original": got.original,
                "provenance": got.provenance,
                "capture": _capture_json(got.capture),
                "error": got.error,
                "history": [e.model_dump(mode="json") for e in got.history],
                "last_event_id": got.last_event_id,
            }
        )
        return
    item = got.item
    click.echo(click.style(f"#{item.analysis_pk}  {item.title}", bold=True))
    where = " › ".join(item.heading_path)
    click.echo(f"{item.entity or '?'} / {item.document_title or '?'}  ·  {where}")
    click.echo(
        f"status {item.review_status}  ·  severity {item.severity or '-'}  ·  "
        f"confidence {item.confidence or '-'}  ·  {item.analyzer} ({item.model})"
        + (
            "  ·  SYNTHETIC (fake API server, not Claude)"
            if got.provenance.get("synthetic")
            else ""
        )
    )
    _section("Flags", [f"[{f.priority}] {f.code}: {f.reason}" for f in item.flags] or ["none"])
    _section("Queue place", [item.why])
    _section("Clause", [got.clause_text or "(no stored clause)"])
    if got.analysis is not None:
        _section("Analysis", _analysis_lines(got.analysis))
    if got.error:
        _section("Error", [got.error])
    _section("Provenance", _provenance_lines(got))
    _section("History", [_event_line(e) for e in got.history] or ["no review yet"])
    click.echo(
        f"\nLatest event: {_latest_line(got)}. To act on what is shown above: "
        f"--expect-event {got.last_event_id}"
    )


def _latest_line(got: review.ReviewItem) -> str:
    if not got.history:
        return f"none ({review.NOT_REVIEWED})"
    latest = got.history[-1]
    return f"#{latest.id} ({latest.action} by {latest.reviewer})"


@command.command("approve")
@click.argument("analysis_id", type=int)
@note_option
@reviewer_option
@expect_option
@handles_errors
def approve_command(
    analysis_id: int, note: str | None, reviewer: str | None, expect_event: int | None
) -> None:
    """Approve an analysis as it stands."""
    event = review.approve(
        state().engine, analysis_id, resolve_reviewer(reviewer), note, expect_event=expect_event
    )
    click.echo(f"#{analysis_id} approved by {event.reviewer}.")


def _parse_value(raw: str) -> Any:
    """JSON for lists, objects and null (``'["a", "b"]'``); any other value is a string."""
    if raw.strip()[:1] in ("[", "{") or raw.strip() == "null":
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ReviewError("edit refused", [f"{raw[:60]!r} is not valid JSON: {exc}"]) from exc
    return raw


def _patch_from(sets: tuple[str, ...], file: Path | None) -> dict[str, Any]:
    if bool(sets) == bool(file):
        raise UsageError("give either --set field=value (repeatable) or --file patch.json")
    if file is not None:
        try:
            patch = json.loads(file.read_text("utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise UsageError(f"cannot read the patch {file}: {exc}") from exc
        if not isinstance(patch, dict):
            raise UsageError(f"{file} must hold a JSON object of field paths to values")
        return patch
    patch = {}
    for item in sets:
        path, sep, value = item.partition("=")
        if not sep or not path.strip():
            raise UsageError(f"--set {item!r}: expected field=value")
        patch[path.strip()] = _parse_value(value)
    return patch


@command.command("edit")
@click.argument("analysis_id", type=int)
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="FIELD=VALUE",
    help="Set a field by dotted path; JSON for lists (repeatable).",
)
@click.option(
    "--file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="A JSON object of dotted paths to values.",
)
@note_option
@reviewer_option
@expect_option
@handles_errors
def edit_command(
    analysis_id: int,
    sets: tuple[str, ...],
    file: Path | None,
    note: str | None,
    reviewer: str | None,
    expect_event: int | None,
) -> None:
    """Edit an analysis; the result must pass the same checks as model output."""
    patch = _patch_from(sets, file)
    event = review.edit(
        state().engine,
        analysis_id,
        resolve_reviewer(reviewer),
        patch,
        note,
        expect_event=expect_event,
    )
    click.echo(f"#{analysis_id} edited by {event.reviewer}:")
    for path, before, after in event.changes():
        click.echo(f"  {path}: {_short(before)} → {_short(after)}")


@command.command("reject")
@click.argument("analysis_id", type=int)
@click.option("--note", required=True, help="Why it is rejected (required).")
@reviewer_option
@expect_option
@handles_errors
def reject_command(
    analysis_id: int, note: str, reviewer: str | None, expect_event: int | None
) -> None:
    """Reject an analysis, saying why."""
    event = review.reject(
        state().engine, analysis_id, resolve_reviewer(reviewer), note, expect_event=expect_event
    )
    click.echo(f"#{analysis_id} rejected by {event.reviewer}.")


@command.command("undo")
@click.argument("analysis_id", type=int)
@note_option
@reviewer_option
@click.option(
    "--expect-event",
    type=click.IntRange(min=1),
    metavar="EVENT_ID",
    help="Undo only if this is still the latest action, as `review show` printed it; "
    "otherwise refuse, store nothing and exit 3.",
)
@handles_errors
def undo_command(
    analysis_id: int, note: str | None, reviewer: str | None, expect_event: int | None
) -> None:
    """Undo the latest action on an analysis (a revert event; nothing is deleted)."""
    event = review.revert(
        state().engine, analysis_id, resolve_reviewer(reviewer), note, event_id=expect_event
    )
    item = review.get_item(state().engine, analysis_id).item
    click.echo(f"#{analysis_id}: {event.note}; now {item.review_status}.")
    for path, before, after in event.changes():
        click.echo(f"  {path}: {_short(before)} → {_short(after)}")


@command.command("history")
@click.argument("analysis_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@handles_errors
def history_command(analysis_id: int, as_json: bool) -> None:
    """The audit trail of one analysis, oldest first."""
    events = review.history(state().engine, analysis_id)
    if as_json:
        echo_json([e.model_dump(mode="json") for e in events])
        return
    if not events:
        click.echo(f"#{analysis_id} has not been reviewed yet.")
    for event in events:
        click.echo(_event_line(event))
        for path, before, after in event.changes():
            click.echo(f"      {path}: {_short(before)} → {_short(after)}")


# --- formatting -----------------------------------------------------------------------------


def _item_json(item: review.QueueItem) -> dict[str, Any]:
    return {
        "id": item.analysis_pk,
        "title": item.title,
        "entity": item.entity,
        "document_title": item.document_title,
        "heading_path": item.heading_path,
        "analyzer": item.analyzer,
        "model": item.model,
        "status": item.status,
        "severity": item.severity,
        "confidence": item.confidence,
        "review_status": item.review_status,
        "reviewed_by": item.reviewed_by,
        "flags": [{"code": f.code, "priority": f.priority, "reason": f.reason} for f in item.flags],
        "substance": item.substance.name.lower(),
        "novelty": item.novelty.name.lower(),
        "similar_platforms": item.similar_platforms,
        "superseded": item.superseded,
        "superseded_by": (
            None
            if item.superseded_by is None
            else {
                "version": item.superseded_by.number,
                "captured_at": item.superseded_by.captured_at.isoformat(),
            }
        ),
        "outranked": item.outranked,
        "outranked_by": (
            None
            if item.outranked_by is None
            else {
                "id": item.outranked_by.pk,
                "analyzer": item.outranked_by.analyzer,
                "model": item.outranked_by.model,
                "edited": item.outranked_by.edited,
            }
        ),
        "why_here": item.why,
    }


def _capture_json(capture: review.CaptureSource | None) -> dict[str, Any] | None:
    if capture is None:
        return None
    return {**dataclasses.asdict(capture), "archive_url_note": _archive(capture)}


def _archive(capture: review.CaptureSource) -> str:
    return capture.archive_url or review.NO_ARCHIVE_URL


def _provenance_lines(got: review.ReviewItem) -> list[str]:
    """Where the clause was read from (capture) and what produced the analysis."""
    prov, item, capture = got.provenance, got.item, got.capture
    lines = []
    if capture is not None:
        lines += [
            f"document {capture.document_id}",
            f"source   {capture.source_url or 'none recorded'}",
            f"archive  {_archive(capture)}",
            f"captured {capture.captured_at:%Y-%m-%d %H:%M:%S}Z  ·  "
            f"last verified {capture.last_verified:%Y-%m-%d}",
            f"sha256   {capture.content_sha256} (the captured bytes)",
        ]
    else:
        lines.append("no stored clause, so no capture")
    return [
        *lines,
        f"analyzer {item.analyzer}  ·  model {item.model}  ·  "
        f"prompt {prov.get('prompt_id')} {prov.get('prompt_version')}  ·  "
        f"schema {prov.get('schema_version')}",
        f"stop {prov.get('stop_reason')}  ·  attempts {prov.get('attempts')}  ·  "
        f"generated {prov.get('generated_at')}",
    ]


def _event_line(event: ReviewEvent) -> str:
    note = f"  “{event.note}”" if event.note else ""
    return f"{event.at:%Y-%m-%d %H:%M:%S}Z  {event.action:<7}  {event.reviewer}{note}"


def _analysis_lines(analysis: dict[str, Any], prefix: str = "") -> list[str]:
    lines: list[str] = []
    for key, value in analysis.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            lines += _analysis_lines(value, f"{name}.")
        elif isinstance(value, list):
            lines.append(f"{name}:" + ("" if value else " (none)"))
            lines += [f"  - {_flat(v)}" for v in value]
        else:
            lines.append(f"{name}: {value if value is not None else '(null)'}")
    return lines


def _flat(value: Any) -> str:
    if isinstance(value, dict):
        return " | ".join(str(v) for v in value.values())
    return str(value)


def _section(title: str, lines: list[str]) -> None:
    click.echo(click.style(f"\n{title}", bold=True))
    for line in lines:
        for part in line.splitlines() or [""]:
            wrapped = textwrap.fill(
                part,
                _WIDTH,
                initial_indent="  ",
                subsequent_indent="    ",
                break_on_hyphens=False,
                break_long_words=False,  # URLs and hashes stay whole, to copy
            )
            click.echo(wrapped.rstrip())


def _counts_line(counts: dict[str, int]) -> str:
    return ", ".join(f"{code} {n}" for code, n in counts.items()) or "no flags"


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _short(value: Any) -> str:
    return _cut(json.dumps(value, ensure_ascii=False), 80)
