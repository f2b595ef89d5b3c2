"""``clauselens flags``: show the flag rules and recompute every analysis's flags."""

from __future__ import annotations

from pathlib import Path

import click

from clauselens.cli._common import echo_json, handles_errors, state
from clauselens.review.flags import load_flag_rules, recompute_flags

rules_option = click.option(
    "--rules",
    "rules_path",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="A flag rules file (default: the shipped data/flag_rules.json).",
)


@click.group("flags")
def command() -> None:
    """Flag rules: `flags rules` lists them; `flags recompute` applies changed rules."""


@command.command("rules")
@rules_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@handles_errors
def rules_command(rules_path: Path | None, as_json: bool) -> None:
    """List the flag rules, most urgent first (a lower priority number is more urgent)."""
    rules = load_flag_rules(rules_path)
    if as_json:
        echo_json(rules.model_dump(mode="json"))
        return
    for rule in sorted(rules.rules, key=lambda r: r.priority):
        click.echo(f"{rule.priority:>4}  {rule.code:<24} {rule.kind:<32} {rule.reason}")


@command.command("recompute")
@rules_option
@handles_errors
def recompute_command(rules_path: Path | None) -> None:
    """Recompute the flags of every stored analysis from the rules."""
    report = recompute_flags(state().engine, load_flag_rules(rules_path))
    counts = ", ".join(f"{code} {n}" for code, n in report.counts.items()) or "no flags"
    click.echo(f"Recomputed flags of {report.analyses} analyses: {counts}.")
