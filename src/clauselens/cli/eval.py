"""``clauselens eval``: measure analysis quality on the gold sets.

Exit status: 0 when the eval ran (and, with ``--baseline``, no figure regressed beyond the
tolerance); 1 when the gate found a regression; 2 for a usage error (an unknown set, a bad gold
file, Claude without a key, a Claude eval not confirmed).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from clauselens.cli._common import echo_json, handles_errors, state
from clauselens.cli._progress import RunProgress
from clauselens.errors import UsageError


def _configs(analyzer: str, models: tuple[str, ...], efforts: tuple[str, ...]) -> list[Any]:
    from clauselens.evaluation import Config

    if analyzer == "offline":
        if models or efforts:
            raise UsageError("--model and --effort are for --analyzer claude")
        return [Config("offline")]
    return [
        Config(analyzer, model or None, effort or None)
        for model in (models or ("",))
        for effort in (efforts or ("",))
    ]


def _confirm(spends: list[Any], yes: bool) -> None:
    """Show what a Claude eval would cost; go on only when confirmed."""
    priced = [s.usd for s in spends if s.usd is not None]
    total = f"${sum(priced):,.2f}" + ("" if len(priced) == len(spends) else " + unpriced models")
    sending = sum(s.to_send for s in spends)
    for s in spends:
        usd = "unknown (no price in data/models.json)" if s.usd is None else f"${s.usd:,.2f}"
        click.echo(
            f"{s.configuration}: {s.to_send} requests to send, {s.cached} already stored; "
            f"estimated {usd}",
            err=True,
        )
    if not sending or yes:
        return
    if not sys.stdin.isatty():
        raise UsageError(
            f"this eval sends {sending} billed requests (estimated {total}): pass --yes to "
            "run it without asking"
        )
    click.confirm(f"Send {sending} requests (estimated {total})?", abort=True, err=True)


@click.command("eval")
@click.option("--set", "set_names", multiple=True, help="A built-in gold set (default: all).")
@click.option(
    "--gold",
    "gold_files",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="Your own gold file (JSONL, see gold/README.md); replaces the built-in sets.",
)
@click.option(
    "--analyzer", type=click.Choice(["offline", "claude"]), default="offline", show_default=True
)
@click.option("--model", "models", multiple=True, help="Claude model (repeat to compare).")
@click.option(
    "--effort",
    "efforts",
    multiple=True,
    type=click.Choice(["low", "medium", "high", "xhigh", "max"]),
    help="Claude effort (repeat to compare).",
)
@click.option("--limit", type=click.IntRange(min=1), help="At most N items per set.")
@click.option("--store", "store_url", help="Store of eval analyses (default: HOME/eval.db).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Write the JSON.")
@click.option(
    "--baseline",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="An earlier report: exit 1 when a figure drops beyond the tolerance.",
)
@click.option("--tolerance", type=float, default=None, help="Gate tolerance (default 0.02).")
@click.option("--yes", is_flag=True, help="Do not ask before sending billed requests.")
@handles_errors
def command(
    set_names: tuple[str, ...],
    gold_files: tuple[Path, ...],
    analyzer: str,
    models: tuple[str, ...],
    efforts: tuple[str, ...],
    limit: int | None,
    store_url: str | None,
    as_json: bool,
    out: Path | None,
    baseline: Path | None,
    tolerance: float | None,
    yes: bool,
) -> None:
    """Measure analysis quality on gold sets: categories, severity, agencies and regulations
    named right and wrong, evidence, failures and cost, per analyzer, model and effort."""
    from clauselens.evaluation import (
        DEFAULT_TOLERANCE,
        EvalOptions,
        builtin_sets,
        compare,
        load_gold,
        render,
        run_eval,
    )
    from clauselens.evaluation.cost import estimate

    settings = state().settings
    if gold_files and set_names:
        raise UsageError("--gold replaces the built-in sets: pass --set or --gold, not both")
    sets = [load_gold(p) for p in gold_files] if gold_files else builtin_sets(list(set_names))
    progress = RunProgress("evaluating")
    options = EvalOptions(
        _configs(analyzer, models, efforts),
        limit=limit,
        store_url=store_url,
        on_start=lambda label, n: _start(progress, label, n),
        on_result=lambda result: progress.on_result(None, result),  # type: ignore[arg-type]
    )
    if analyzer == "claude":
        _confirm(estimate(settings, sets, options), yes)
    report = run_eval(settings, sets, options)
    progress.close()
    if out:
        out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    if as_json:
        echo_json(report)
    else:
        click.echo(render(report), nl=False)
    if baseline is None:
        return
    before = json.loads(baseline.read_text(encoding="utf-8"))
    regressions, skipped = compare(report, before, tolerance or DEFAULT_TOLERANCE)
    for line in skipped:
        click.echo(f"gate: not compared: {line}", err=True)
    if regressions:
        click.echo(f"gate: {len(regressions)} figure(s) regressed against {baseline}:", err=True)
        for r in regressions:
            click.echo(f"  {r}", err=True)
        sys.exit(1)
    click.echo(f"gate: no figure regressed beyond the tolerance against {baseline}", err=True)


def _start(progress: RunProgress, label: str, total: int) -> None:
    progress.close()
    progress.label, progress.done, progress.failed = label, 0, 0
    progress.on_start(total)
