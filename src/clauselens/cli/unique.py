"""``clauselens unique``: the current provisions no other platform has.

A provision is unique when no provision of another platform scores at or above the similarity
threshold against it (``similar_platforms == 0``). Listed by entity, document and position,
with the record id, heading and a short excerpt. ``--json``: the list as data.
"""

from __future__ import annotations

import click
from rich.console import Console
from rich.padding import Padding
from rich.text import Text

from clauselens.cli._common import echo_json, handles_errors, state, warn
from clauselens.similarity import DEFAULT_THRESHOLD
from clauselens.similarity.provisions import unique_provisions

HEADING_SEP = " › "


@click.command("unique")
@click.option("--entity", metavar="E", help="Only the provisions of this platform.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@handles_errors
def command(entity: str | None, as_json: bool) -> None:
    """List the provisions no other platform has (similar on 0 platforms).

    The similarity index is refreshed from the store first (incrementally; built on first use).
    """
    found = unique_provisions(state().engine, entity)
    if as_json:
        echo_json([u.model_dump(mode="json") for u in found])
        return
    console = Console(highlight=False)
    if not found:
        console.print("No unique provision found.")
        return
    if found[0].platforms_total == 0:
        warn("only one platform is indexed, so every provision is trivially unique")
    shown: tuple[str, str] | None = None
    for u in found:
        if (u.entity, u.document) != shown:
            shown = (u.entity, u.document)
            console.print(Text(f"\n{u.entity} / {u.document}", style="bold"))
        heading = HEADING_SEP.join(u.heading_path) or "(no heading)"
        console.print(Text.assemble(f"  {u.record_id}  ", (heading, "italic")))
        console.print(Padding(Text(u.excerpt, style="dim"), (0, 0, 0, 4)))
    console.print(
        f"{len(found)} unique provision(s): no provision of the other "
        f"{found[0].platforms_total} platform(s) scores {DEFAULT_THRESHOLD:g} or more."
    )
