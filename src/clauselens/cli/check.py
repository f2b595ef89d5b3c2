"""``clauselens check``: verify the key and models, count a sample's tokens, print the cost.

Exit status: 0 when every check passed, or when there is no key (nothing is sent; the command
says what it would check); 1 when the key, the URL or a model was refused, or the one
``--analyze`` answer failed validation; 2 for a usage error.
"""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from clauselens.cli._common import echo_json, effort_option, handles_errors, state
from clauselens.pipeline.runs.check import CheckReport, Cost, ModelCheck, check, model_summary
from clauselens.schemas import AnalysisResult


def _usd(value: float | None) -> str:
    if value is None:
        return "unknown (data/models.json has no rate for it)"
    return f"${value:,.4f}" if value < 1 else f"${value:,.2f}"


def _cost_line(cost: Cost) -> str:
    return f"  {cost.label}: {_usd(cost.direct_usd)} (via batches {_usd(cost.batches_usd)})"


def _analysis_lines(result: AnalysisResult) -> list[str]:
    p = result.provenance
    u = p.usage
    thinking = getattr(u, "thinking_tokens", None)
    of_which = f", of which thinking {thinking:,}" if thinking is not None else ""
    lines = [
        f"  analysis: {result.status} after {p.attempts} request(s), stop {p.stop_reason}, "
        f"request id {p.request_id}",
        f"  tokens: input {u.input_tokens:,}, cache write {u.cache_creation_input_tokens:,}, "
        f"cache read {u.cache_read_input_tokens:,}, output {u.output_tokens:,} "
        f"(thinking included{of_which}); cost {_usd(p.cost_usd)}",
    ]
    if result.analysis is None:
        return [*lines, f"  error: {result.error}"]
    a = result.analysis
    return [
        *lines,
        f"  summary: {a.summary}",
        f"  severity: {a.severity}, confidence: {a.confidence}, evidence: {a.evidence_type}",
        f"  categories: {', '.join(map(str, a.categories)) or '-'}",
    ]


def _model_lines(m: ModelCheck) -> list[str]:
    if m.prompt_tokens is None:
        return [f"{m.model}: FAILED: {m.error}"]
    lines = [
        f"{m.model}: key and model access OK (token counting endpoint)",
        f"  prompt tokens of the sample request: {m.prompt_tokens:,} (counted by the API)",
        *(_cost_line(c) for c in m.costs),
    ]
    if m.corpus_method:
        lines.append(f"  corpus tokens: {m.corpus_method}")
    if facts := model_summary(m.model):
        lines.append(f"  {facts}")
    if m.max_tokens is not None:
        lines.append(f"  request: effort {m.effort or 'not sent'}, max_tokens {m.max_tokens:,}")
    if m.analysis is not None:
        lines += _analysis_lines(m.analysis)
    if m.error:
        lines.append(f"  FAILED: {m.error}")
    return lines


def _print(report: CheckReport) -> None:
    s = report.sample
    where = " > ".join(s.heading_path)
    click.echo(f"Messages API: {report.base_url}")
    click.echo(
        f"sample clause: {s.document.entity}, {s.document.title} > {where} ({len(s.text):,} chars)"
    )
    if not report.key_present:
        click.echo("ANTHROPIC_API_KEY is not set: nothing was sent. With a key, check would:")
        for line in report.would_check:
            click.echo(f"  - {line}")
        return
    click.echo("key: from ANTHROPIC_API_KEY (never shown)")
    click.echo(
        f"cost assumes {report.output_tokens:,} output tokens per clause: {report.output_basis}; "
        "no prompt caching unless said"
    )
    for m in report.models:
        click.echo("")
        for line in _model_lines(m):
            click.echo(line)


def _as_json(report: CheckReport) -> dict[str, Any]:
    def model(m: ModelCheck) -> dict[str, Any]:
        return {
            "model": m.model,
            "ok": m.ok,
            "prompt_tokens": m.prompt_tokens,
            "costs": [{**asdict(c), "usage": c.usage.model_dump()} for c in m.costs],
            "corpus_method": m.corpus_method,
            "analysis": m.analysis.model_dump(mode="json") if m.analysis else None,
            "error": m.error,
            "effort": m.effort,
            "max_tokens": m.max_tokens,
        }

    return {
        "ok": report.ok,
        "key_present": report.key_present,
        "base_url": report.base_url,
        "sample": {
            "entity": report.sample.document.entity,
            "title": report.sample.document.title,
            "heading_path": list(report.sample.heading_path),
            "chars": len(report.sample.text),
        },
        "output_tokens_assumed": report.output_tokens,
        "output_basis": report.output_basis,
        "models": [model(m) for m in report.models],
        "would_check": report.would_check,
    }


@click.command("check")
@click.option(
    "--model",
    "models",
    multiple=True,
    metavar="MODEL",
    help="Model to check (repeatable; default: the configured model).",
)
@click.option("--analyze", is_flag=True, help="Also send the sample clause once (billed).")
@click.option(
    "--output-tokens",
    type=click.IntRange(1),
    help="Output tokens per clause to price (default: clauselens' default answer size).",
)
@click.option(
    "--corpus",
    "corpus",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Also price a run over these captures (token-counted dry run; repeatable).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@effort_option
@handles_errors
def command(
    models: tuple[str, ...],
    analyze: bool,
    output_tokens: int | None,
    corpus: tuple[Path, ...],
    as_json: bool,
) -> None:
    """Check the API key and models, count a sample clause's tokens and print the cost."""
    report = check(
        state().settings, models, analyze=analyze, output_tokens=output_tokens, corpus=corpus
    )
    if as_json:
        echo_json(_as_json(report))
    else:
        _print(report)
    failed = [m for m in report.models if not m.ok]
    for m in failed:
        reason = m.error or (m.analysis.error if m.analysis else None)
        click.echo(f"error: {m.model}: {reason}", err=True)
    if failed:
        sys.exit(1)
