"""``clauselens changes DOCUMENT``: what changed between two versions, most severe first.

On a terminal: a side-by-side table per substantive change (removed words struck through in
red on the left, added words in green on the right, unchanged paragraphs elided), then one line
per moved or cosmetic change. Elsewhere (a pipe, a file): plain unified diffs. ``--json``: the
comparison as data, each event with its old and new text.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterator
from itertools import zip_longest
from typing import Any

import click
from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from clauselens.cli._common import echo_json, handles_errors, state
from clauselens.pipeline.versions.compare import Comparison, compare_versions
from clauselens.schemas.changes import ChangeClass, ChangeEvent
from clauselens.textnorm import cosmetic_form

SUBSTANTIVE = (ChangeClass.MODIFIED, ChangeClass.ADDED, ChangeClass.REMOVED)
SEVERITY_STYLE = {"high": "bold white on red", "medium": "bold black on yellow", "low": "green"}
MAX_ADDED_LINES = 12


@click.command("changes")
@click.argument("document")
@click.option(
    "--from", "from_spec", metavar="V", help="Older version: number (1 = oldest) or date."
)
@click.option("--to", "to_spec", metavar="V", help="Newer version (default: the latest).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option(
    "--side-by-side/--unified",
    "side_by_side",
    default=None,
    help="Force the terminal table or plain unified diffs (default: table on a terminal).",
)
@handles_errors
def command(
    document: str,
    from_spec: str | None,
    to_spec: str | None,
    as_json: bool,
    side_by_side: bool | None,
) -> None:
    """Show the changes of DOCUMENT between two versions (default: the last two).

    DOCUMENT is a document id (CL-D-...), "Entity/Title" or a unique part of it.
    """
    app = state()
    with app.engine.connect() as conn:
        comparison = compare_versions(conn, document, from_spec, to_spec, app.settings.align)
    if as_json:
        echo_json(as_data(comparison))
        return
    console = Console(highlight=False)
    wide = console.is_terminal if side_by_side is None else side_by_side
    (render_table if wide else render_plain)(comparison, console)


def as_data(comparison: Comparison) -> dict[str, Any]:
    data = comparison.model_dump(mode="json", exclude={"texts", "events"})
    data["events"] = [
        {
            **event.model_dump(mode="json"),
            "old_text": comparison.texts.get(event.old_clause_pk or -1),
            "new_text": comparison.texts.get(event.new_clause_pk or -1),
        }
        for event in comparison.events
    ]
    return data


def _header(c: Comparison) -> str:
    counts = " · ".join(f"{n} {k}" for k, n in c.counts.items())
    return (
        f"{c.entity} / {c.title} ({c.document_id})\n"
        f"version {c.from_version.number} ({c.from_version.captured_at:%Y-%m-%d}) → "
        f"version {c.to_version.number} ({c.to_version.captured_at:%Y-%m-%d}) "
        f"of {c.versions}\n{counts}"
    )


def _estimate_note(c: Comparison) -> str:
    if not c.estimated:
        return ""
    return (
        f"Severity and impact of {c.estimated} modified provision(s) are offline estimates "
        "(word diff + classifier), not stored; run a change analysis for model answers."
    )


def _where(event: ChangeEvent) -> str:
    return " > ".join(event.heading_path) or "(before the first heading)"


def _title(event: ChangeEvent) -> str:
    severity = (event.severity or "n/a").upper()
    relation = f" ({event.relation})" if event.relation else ""
    kind = f"{event.change_class.value}{relation}"
    return f"{severity} · {kind} · {_where(event)} · {event.provision_id}"


def _what(event: ChangeEvent) -> str:
    detail = event.change_analysis or {}
    parts = [str(detail.get("what_changed") or ""), event.impact]
    if detail.get("direction"):
        parts.append(f"Direction for users: {str(detail['direction']).replace('_', ' ')}.")
    return "\n".join(p for p in parts if p)


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n\n") if p.strip()]


def changed_paragraphs(old: str, new: str) -> Iterator[tuple[str | None, str | None]]:
    """Pairs of old/new paragraphs that differ (more than cosmetically); equal ones elided."""
    a, b = _paragraphs(old), _paragraphs(new)
    matcher = difflib.SequenceMatcher(
        None, [cosmetic_form(p) for p in a], [cosmetic_form(p) for p in b], autojunk=False
    )
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            yield from zip_longest(a[i1:i2], b[j1:j2])


def word_diff(old: str, new: str) -> tuple[Text, Text]:
    """Old and new paragraph with removed words red (struck) and added words green."""
    a, b = old.split(" "), new.split(" ")
    left, right = Text(), Text()
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        old_part, new_part = " ".join(a[i1:i2]) + " ", " ".join(b[j1:j2]) + " "
        if tag == "equal":
            left.append(old_part)
            right.append(new_part)
            continue
        if i2 > i1:
            left.append(old_part, style="red strike")
        if j2 > j1:
            right.append(new_part, style="bold green")
    return left, right


def _texts(event: ChangeEvent, c: Comparison) -> tuple[str, str]:
    """Old and new text to diff: whole split or merged wording when there is one."""
    if event.provision_id in c.joined:
        return c.joined[event.provision_id]
    return c.texts.get(event.old_clause_pk or -1, ""), c.texts.get(event.new_clause_pk or -1, "")


def _diff_table(event: ChangeEvent, c: Comparison) -> Table:
    table = Table(expand=True, show_lines=True, header_style="bold")
    table.add_column(f"version {c.from_version.number}", ratio=1)
    table.add_column(f"version {c.to_version.number}", ratio=1)
    old, new = _texts(event, c)
    for before, after in changed_paragraphs(old, new):
        if before is not None and after is not None:
            table.add_row(*word_diff(before, after))
        else:
            table.add_row(
                Text(before or "", style="red strike"), Text(after or "", style="bold green")
            )
    return table


def _clipped(text: str) -> str:
    lines = text.splitlines()
    more = len(lines) - MAX_ADDED_LINES
    return "\n".join(lines[:MAX_ADDED_LINES]) + (f"\n… {more} more line(s)" if more > 0 else "")


def _body(event: ChangeEvent, c: Comparison) -> Any:
    what = Text(_what(event), style="italic")
    if event.change_class is ChangeClass.MODIFIED:
        return Group(what, _diff_table(event, c))
    removed = event.change_class is ChangeClass.REMOVED
    pk, style = (event.old_clause_pk, "red") if removed else (event.new_clause_pk, "green")
    return Group(what, Text(_clipped(c.texts.get(pk or -1, "")), style=style))


def render_table(c: Comparison, console: Console) -> None:
    console.print(Text(_header(c), style="bold"))
    if c.estimated:
        console.print(Text(_estimate_note(c), style="yellow"))
    substantive = [e for e in c.events if e.change_class in SUBSTANTIVE]
    for event in substantive:
        style = SEVERITY_STYLE.get(event.severity or "", "dim")
        console.print(
            Panel(_body(event, c), title=Text(_title(event), style=style), title_align="left")
        )
    rest = [e for e in c.events if e.change_class not in SUBSTANTIVE]
    if rest:
        console.print(Text("\nMoved or cosmetic only (the analysis is kept):", style="bold"))
        for event in rest:
            console.print(f"  {event.change_class.value:<9} {_where(event)}  {event.provision_id}")
    if not c.events:
        console.print("No change between these versions.")


def _unified(event: ChangeEvent, c: Comparison) -> Iterator[str]:
    old, new = _texts(event, c)
    yield from difflib.unified_diff(
        old.splitlines(),
        new.splitlines(),
        f"version {c.from_version.number}",
        f"version {c.to_version.number}",
        n=1,
        lineterm="",
    )


def render_plain(c: Comparison, console: Console, echo: Callable[[str], None] = click.echo) -> None:
    del console  # plain output goes through click, never styled
    echo(_header(c))
    if c.estimated:
        echo(_estimate_note(c))
    for event in c.events:
        echo("")
        echo(f"## {_title(event)}")
        if event.change_class in SUBSTANTIVE:
            echo(_what(event))
            for line in _unified(event, c):
                echo(line)
    if not c.events:
        echo("No change between these versions.")
