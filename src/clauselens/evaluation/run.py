"""``run_eval``: analyse the gold sets with one or more configurations and score them."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

from clauselens import __version__, analyzers
from clauselens.analyzers.base import Analyzer, ClauseInput
from clauselens.config import Settings
from clauselens.evaluation.analyse import GoldText, analyse, key_version
from clauselens.evaluation.gold import (
    CategorySentence,
    GoldProvision,
    GoldSet,
    SimilarityPoint,
)
from clauselens.evaluation.scoring import score_categories, score_provisions
from clauselens.evaluation.similarity import score_similarity
from clauselens.schemas import AnalysisResult
from clauselens.store import open_store

REPORT_FORMAT = 1


@dataclass(frozen=True)
class Config:
    """One analyzer configuration to measure."""

    analyzer: str  # claude | offline
    model: str | None = None  # None: the settings' model (Claude) or the offline model
    effort: str | None = None  # Claude only; None: clauselens' default for the model


@dataclass
class EvalOptions:
    configs: list[Config]
    limit: int | None = None  # items per set at most (the first ones)
    store_url: str | None = None  # None: sqlite under CLAUSELENS_HOME, eval.db
    on_start: Callable[[str, int], None] | None = None  # (label, items to analyse)
    on_result: Callable[[AnalysisResult], None] | None = None
    env: Mapping[str, str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def gold_texts(gold: GoldSet) -> list[GoldText]:
    """The analyzer material of an analysis set's items."""
    texts = []
    for item in gold.items:
        if isinstance(item, GoldProvision):
            texts.append(
                GoldText(
                    item.id,
                    item.text,
                    item.service,
                    item.terms_type or "Terms",
                    item.terms_type or "Terms of Service",
                    tuple(item.heading_path),
                )
            )
        elif isinstance(item, CategorySentence):
            texts.append(GoldText(item.id, item.text, item.doc or "Gold set"))
    return texts


def store_url(settings: Settings, options: EvalOptions) -> str:
    if options.store_url:
        return options.store_url
    settings.home.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{settings.home / 'eval.db'}"


def build(
    settings: Settings, config: Config, env: Mapping[str, str]
) -> tuple[Analyzer, str | None]:
    """The analyzer of ``config`` and the effort it sends (None: offline)."""
    name, _ = analyzers.resolve(config.analyzer, env)
    if name == "offline":
        return analyzers.build("offline", settings), None
    from clauselens.analyzers._request import request_effort

    update: dict[str, Any] = {"effort": config.effort}
    if config.model:
        update["model"] = config.model
    tuned = settings.model_copy(update=update)
    analyzer = analyzers.build("claude", tuned)
    return analyzer, request_effort(tuned.model, config.effort)


def file_sha256(gold: GoldSet) -> str:
    return hashlib.sha256(gold.path.read_bytes()).hexdigest()


def limited(gold: GoldSet, limit: int | None) -> GoldSet:
    if limit is None:
        return gold
    return GoldSet(gold.name, gold.kind, gold.path, gold.items[:limit])


async def _measure(
    settings: Settings, config: Config, sets: list[GoldSet], options: EvalOptions, engine: Any
) -> dict[str, Any]:
    env = os.environ if options.env is None else options.env
    analyzer, effort = build(settings, config, env)
    version = key_version(analyzer, effort)
    run: dict[str, Any] = {
        "analyzer": analyzer.name,
        "model": analyzer.model,
        "effort": effort,
        "prompt_version": version,
        "synthetic": False,
        "sets": {},
        "per_code": {},
        "items": {},
    }
    try:
        for gold in sets:
            if gold.kind == "similarity":
                continue
            inputs: list[ClauseInput] = [t.as_input(settings) for t in gold_texts(gold)]
            label = f"{gold.name}: {analyzer.name} {analyzer.model}" + (
                f" effort {effort}" if effort else ""
            )
            start = options.on_start
            found = await analyse(
                engine,
                analyzer,
                version,
                inputs,
                concurrency=settings.concurrency,
                on_start=partial(start, label) if start else None,
                on_result=options.on_result,
            )
            results = [found.get(i.clause_sha256) for i in inputs]
            run["synthetic"] |= any(r is not None and r.provenance.synthetic for r in results)
            if gold.kind == "categories":
                figures, per_code = score_categories(
                    [i for i in gold.items if isinstance(i, CategorySentence)], results
                )
                run["per_code"][gold.name] = per_code
            else:
                figures, rows = score_provisions(
                    [i for i in gold.items if isinstance(i, GoldProvision)], results
                )
                run["items"][gold.name] = rows
            run["sets"][gold.name] = figures
    finally:
        await analyzer.aclose()
    return run


async def aeval(settings: Settings, sets: list[GoldSet], options: EvalOptions) -> dict[str, Any]:
    """The report (a JSON-ready dict) of every configuration over ``sets``."""
    sets = [limited(s, options.limit) for s in sets]
    engine = open_store(store_url(settings, options))
    try:
        runs = [await _measure(settings, c, sets, options, engine) for c in options.configs]
    finally:
        engine.dispose()
    similarity = {
        s.name: score_similarity([p for p in s.items if isinstance(p, SimilarityPoint)])
        for s in sets
        if s.kind == "similarity"
    }
    return {
        "clauselens_eval": REPORT_FORMAT,
        "clauselens_version": __version__,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "synthetic": any(r["synthetic"] for r in runs),
        "limit": options.limit,
        "gold": {
            s.name: {"kind": s.kind, "items": len(s.items), "sha256": file_sha256(s)} for s in sets
        },
        "runs": runs,
        "similarity": similarity,
    }


def run_eval(settings: Settings, sets: list[GoldSet], options: EvalOptions) -> dict[str, Any]:
    """``aeval`` from synchronous code."""
    return asyncio.run(aeval(settings, sets, options))
