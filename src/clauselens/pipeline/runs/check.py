"""``check``: is a key ready for a first real run? Key and model access, prompt tokens, cost.

For each model, with ANTHROPIC_API_KEY set:

1. the full request clauselens would send for a sample clause (``data/check_sample.json``: one
   real clause of Anthropic's Usage Policy with its document context; system prompt, document
   block, clause block and ``output_config``, built by ``ClaudeAnalyzer.build_request``) is
   counted with the free token-counting endpoint (``counting``). That one call also checks the
   key (401) and the model (404, 403): see ``counting`` for why not the Models API;
2. the cost per clause and per 1,000 clauses is priced from the model facts
   (``data/models.json`` through ``pricing``): prompt tokens as counted, uncached (an upper
   bound: a run caches the system and document blocks), and ``output_tokens`` per clause, an
   assumption the report states;
3. with ``corpus`` paths, ``estimate.dry_run`` (token-counted, on a throwaway store: what a
   fresh store would send) prices a run over them with prompt caching;
4. with ``analyze``, the sample clause is sent once through ``ClaudeAnalyzer`` (billed) and the
   validated analysis comes back with its usage and cost. Nothing is written to any store.

Without a key nothing is sent: the report lists what would be checked. A refused key or an
unreachable URL raises ``ApiError`` (it concerns every model); a refused model is reported on
its ``ModelCheck`` and the others are still checked.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from clauselens.analyzers.base import ClauseInput, DocumentContext, cut_for_prompt
from clauselens.analyzers.claude import ClaudeAnalyzer
from clauselens.config import Settings, api_key_present
from clauselens.errors import ApiError
from clauselens.models import load_models
from clauselens.pipeline.runs.counting import (
    analyzer_request,
    api_url,
    count_request_tokens,
    token_client,
)
from clauselens.pipeline.runs.estimate import DEFAULT_OUTPUT_TOKENS, dry_run
from clauselens.pricing import cost_or_none
from clauselens.schemas import AnalysisResult, Usage
from clauselens.store import open_store
from clauselens.textnorm import clause_sha256

SAMPLE_FILE = "data/check_sample.json"
CORPUS_CLAUSES = 1000
OUTPUT_BASIS = (
    "clauselens' default answer size, without thinking tokens (billed as output; --analyze "
    "measures them on one clause)"
)
# Status codes that concern the key or the server, not one model: the check stops on them.
_GLOBAL = {None, 401}


def load_sample(settings: Settings) -> ClauseInput:
    """The shipped sample clause, cut for the prompt as a run would cut it."""
    data = json.loads(resources.files("clauselens").joinpath(SAMPLE_FILE).read_text("utf-8"))
    text = data["text"]
    prompt_text, reason = cut_for_prompt(text, settings.segment.prompt_max_chars)
    return ClauseInput(
        clause_sha256=clause_sha256(text),
        heading_path=tuple(data["heading_path"]),
        text=text,
        prompt_text=prompt_text,
        truncated=reason is not None,
        truncation_reason=reason,
        document=DocumentContext(
            entity=data["entity"],
            title=data["title"],
            terms_type=data["terms_type"],
            outline=tuple(data["outline"]),
        ),
    )


@dataclass
class Cost:
    """What ``clauses`` clause analyses cost, directly and via Message Batches (None: unknown)."""

    label: str
    clauses: int
    usage: Usage
    direct_usd: float | None
    batches_usd: float | None


@dataclass
class ModelCheck:
    """One model's result: counted prompt tokens and costs, or the error that stopped it."""

    model: str
    prompt_tokens: int | None = None
    costs: list[Cost] = field(default_factory=list)
    corpus_method: str | None = None
    analysis: AnalysisResult | None = None
    error: str | None = None
    effort: str | None = None  # the output_config.effort the analyzer sends (None: none)
    max_tokens: int | None = None  # the max_tokens it sends

    @property
    def ok(self) -> bool:
        analysis_ok = self.analysis is None or self.analysis.status == "valid"
        return self.error is None and analysis_ok


@dataclass
class CheckReport:
    """Everything ``check`` found (or, without a key, what it would check)."""

    key_present: bool
    base_url: str
    sample: ClauseInput
    output_tokens: int
    output_basis: str
    models: list[ModelCheck] = field(default_factory=list)
    would_check: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(m.ok for m in self.models)


def _price(model: str, label: str, clauses: int, usage: Usage) -> Cost:
    return Cost(
        label,
        clauses,
        usage,
        cost_or_none(model, usage, requests=clauses),
        cost_or_none(model, usage, batch=True, requests=clauses),
    )


def _unit_costs(model: str, prompt: int, output: int) -> list[Cost]:
    one = Usage(input_tokens=prompt, output_tokens=output)
    many = Usage(input_tokens=prompt * CORPUS_CLAUSES, output_tokens=output * CORPUS_CLAUSES)
    return [
        _price(model, "per clause", 1, one),
        _price(model, f"per {CORPUS_CLAUSES:,} clauses", CORPUS_CLAUSES, many),
    ]


def _corpus_cost(
    settings: Settings, model: str, corpus: list[Path]
) -> tuple[list[Cost], str | None]:
    """A token-counted dry run over ``corpus`` on a throwaway store (direct and batches)."""
    with tempfile.TemporaryDirectory(prefix="clauselens-check-") as tmp:
        engine = open_store(f"sqlite:///{Path(tmp) / 'check.db'}")
        try:
            report = dry_run(engine, corpus, settings, [model], count_tokens=True)
        finally:
            engine.dispose()
    direct = next(e for e in report.estimates if e.mode == "direct")
    label = f"corpus {', '.join(map(str, corpus))}: {direct.calls:,} calls, with prompt caching"
    return [_price(model, label, max(direct.calls, 1), direct.usage)], report.methods.get(model)


async def _analyze_once(settings: Settings, sample: ClauseInput) -> AnalysisResult:
    analyzer = ClaudeAnalyzer(settings)
    try:
        return await analyzer.analyze(sample)
    finally:
        await analyzer.aclose()


def _would_check(models: list[str], url: str, analyze: bool, corpus: list[Path]) -> list[str]:
    lines = [
        f"verify ANTHROPIC_API_KEY and access to {', '.join(models)} at {url} with the free "
        "token-counting endpoint (POST /v1/messages/count_tokens)",
        "count the prompt tokens of the sample clause's full request (system, document context, "
        "clause, output schema) and price it per clause and per "
        f"{CORPUS_CLAUSES:,} clauses from data/models.json",
    ]
    if corpus:
        lines.append(f"price a run over {', '.join(map(str, corpus))} (token-counted dry run)")
    if analyze:
        lines.append("send the sample clause once (billed) and print the validated analysis")
    return lines


def _check_model(
    settings: Settings,
    model: str,
    sample: ClauseInput,
    output_tokens: int,
    *,
    analyze: bool,
    corpus: list[Path],
    client_count: Callable[[dict[str, Any]], int],
) -> ModelCheck:
    result = ModelCheck(model)
    model_settings = settings.model_copy(update={"model": model})
    params = analyzer_request(model_settings, sample)
    result.effort = params["output_config"].get("effort")
    result.max_tokens = params["max_tokens"]
    try:
        result.prompt_tokens = client_count(params)
    except ApiError as exc:
        if exc.status_code in _GLOBAL:
            raise
        result.error = str(exc)
        return result
    result.costs = _unit_costs(model, result.prompt_tokens or 0, output_tokens)
    if corpus:
        costs, result.corpus_method = _corpus_cost(model_settings, model, corpus)
        result.costs += costs
    if analyze:
        try:
            result.analysis = asyncio.run(_analyze_once(model_settings, sample))
        except ApiError as exc:
            result.error = str(exc)
    return result


def check(
    settings: Settings,
    models: Iterable[str] = (),
    *,
    analyze: bool = False,
    output_tokens: int | None = None,
    corpus: Iterable[Path] = (),
    env: Mapping[str, str] | None = None,
) -> CheckReport:
    """Check the key, the models and the cost of a run (see the module docstring).

    ``models``: default ``settings.model``. Raises ``ApiError`` when the key is refused or the
    API cannot be reached; a refused model is reported on its ``ModelCheck``.
    """
    chosen = list(dict.fromkeys(models)) or [settings.model]
    paths = list(corpus)
    sample = load_sample(settings)
    out = DEFAULT_OUTPUT_TOKENS if output_tokens is None else output_tokens
    basis = OUTPUT_BASIS if output_tokens is None else "given with --output-tokens"
    client = token_client(settings)
    report = CheckReport(api_key_present(env), api_url(client), sample, out, basis)
    try:
        if not report.key_present:
            report.would_check = _would_check(chosen, report.base_url, analyze, paths)
            return report
        for model in chosen:
            report.models.append(
                _check_model(
                    settings,
                    model,
                    sample,
                    out,
                    analyze=analyze,
                    corpus=paths,
                    client_count=lambda params: count_request_tokens(client, params),
                )
            )
    finally:
        client.close()
    return report


def model_summary(model: str) -> str | None:
    """The model's limits and default effort from data/models.json, with the date checked."""
    facts = load_models().find(model)
    if facts is None:
        return None
    effort = facts.default_effort or "none"
    return (
        f"context window {facts.context_window:,}, max output {facts.max_output_tokens:,}, "
        f"default effort {effort} (data/models.json, checked {facts.checked.isoformat()})"
    )
