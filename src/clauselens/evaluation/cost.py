"""What an eval would cost before it runs: requests still to send and their estimated price.

Per request: the system prompt and output schema read from the prompt cache, the clause and
its document block as input, and ``ASSUMED_OUTPUT_TOKENS`` of output (an answer of about 900
tokens plus adaptive thinking at medium effort; thinking is billed as output). An estimate,
not a quote: the report gives the real tokens and cost of each configuration.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass

from clauselens import prompts
from clauselens.config import Settings
from clauselens.evaluation.analyse import key_version, stored
from clauselens.evaluation.gold import GoldSet
from clauselens.evaluation.run import EvalOptions, build, gold_texts, limited, store_url
from clauselens.pricing import cost_or_none
from clauselens.schemas import Usage
from clauselens.store import open_store

ASSUMED_OUTPUT_TOKENS = 2_000
CHARS_PER_TOKEN = 4


def _tokens(text: str) -> int:
    return -(-len(text) // CHARS_PER_TOKEN)


@dataclass(frozen=True)
class Spend:
    configuration: str
    to_send: int
    cached: int
    usd: float | None  # None: data/models.json has no price for the model


def estimate(settings: Settings, sets: list[GoldSet], options: EvalOptions) -> list[Spend]:
    """The requests each Claude configuration would send, and their estimated cost."""
    env = os.environ if options.env is None else options.env
    system = _tokens(prompts.render_system()) + _tokens(json.dumps(prompts.output_schema("clause")))
    engine = open_store(store_url(settings, options))
    spends = []
    try:
        for config in options.configs:
            analyzer, effort = build(settings, config, env)
            if analyzer.name != "claude":
                continue
            version = key_version(analyzer, effort)
            texts = [
                t
                for s in sets
                if s.kind != "similarity"
                for t in gold_texts(limited(s, options.limit))
            ]
            inputs = {t.as_input(settings).clause_sha256: t for t in texts}
            done = stored(engine, analyzer, version, list(inputs))
            todo = [t for sha, t in inputs.items() if sha not in done]
            usage = Usage(
                input_tokens=sum(_tokens(t.text) + 60 for t in todo),
                cache_read_input_tokens=system * len(todo),
                output_tokens=ASSUMED_OUTPUT_TOKENS * len(todo),
            )
            usd = cost_or_none(analyzer.model, usage, requests=len(todo))
            label = f"{analyzer.model}" + (f" effort={effort}" if effort else "")
            spends.append(Spend(label, len(todo), len(done), usd))
    finally:
        engine.dispose()
    return spends
