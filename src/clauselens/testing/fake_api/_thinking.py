"""Thinking in the fake's answers: how many tokens, which block, and what ``max_tokens`` leaves.

Documented behaviour (https://platform.claude.com/docs/en/build-with-claude/thinking and
.../adaptive-thinking, .../effort; checked 2026-12-01):

- thinking arrives in ``thinking`` content blocks *ahead of* the response text;
- "the tokens Claude spends reasoning are billed as output tokens, even when the thinking text
  isn't returned to you, and they count toward max_tokens alongside the response text";
- models whose facts say ``adaptive``/``adaptive_always_on`` think by default at their default
  effort (data/models.json ``default_effort``; the effort page: "Most Claude models default to
  high effort"); ``thinking: {"type": "disabled"}`` turns it off where accepted; models with
  ``extended`` thinking think only when asked (``{"type": "enabled", "budget_tokens": N}``),
  at most the budget;
- ``thinking.display``: ``summarized`` returns summarised thinking text, ``omitted`` returns an
  empty ``thinking`` field with its ``signature``. "The default depends on the model"; the docs
  stored here do not say it for the 5.5 models, so the fake omits by default (as newer models do,
  e.g. Opus 4.7 and Fable 5 per docker/docker-agent PR #3415).

A MODEL OF THE FAKE, NOT A FACT: the number of thinking tokens. The API decides it per request;
the fake makes it deterministic: ``base[effort] + ratio[effort] * prompt tokens`` (the user text
of the request, chars / 4). With these numbers a long clause analysis (the "High-Risk Use Case
Requirements" section, ~850 prompt tokens) at Sonnet 5.5's default ``high`` thinks ~4,100 tokens:
``max_tokens`` 4096 ends in ``stop_reason: "max_tokens"`` before any text, 16,000 does not; a
one-sentence clause still fits in 4096.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from clauselens.models import ModelFacts, load_models
from clauselens.testing.fake_api._synthetic import SYNTHETIC, estimate_tokens, user_text

# A model of the fake (see the module docstring), not a fact about Claude.
THINKING_BASE: dict[str, int] = {
    "low": 250,
    "medium": 1000,
    "high": 2000,
    "xhigh": 4000,
    "max": 8000,
}
THINKING_RATIO: dict[str, float] = {
    "low": 0.5,
    "medium": 1.25,
    "high": 2.5,
    "xhigh": 5.0,
    "max": 10.0,
}
# The effort page: "Most Claude models default to high effort".
FALLBACK_EFFORT = "high"
SIGNATURE = "fake-signature-clauselens-not-from-claude"


@dataclass(frozen=True)
class Thinking:
    """The thinking a request gets: its size in tokens and whether its text is returned."""

    tokens: int
    summarized: bool


def effort_of(request: Mapping[str, Any], facts: ModelFacts | None) -> str:
    """``output_config.effort``, else the model's default effort, else ``high``."""
    effort = (request.get("output_config") or {}).get("effort")
    if isinstance(effort, str) and effort in THINKING_BASE:
        return effort
    if facts is not None and facts.default_effort is not None:
        return facts.default_effort
    return FALLBACK_EFFORT


def thinking_for(request: Mapping[str, Any]) -> Thinking | None:
    """How much the model thinks on ``request`` (None: no thinking block)."""
    facts = load_models().find(str(request.get("model")))
    raw = request.get("thinking")
    config: dict[str, Any] = raw if isinstance(raw, dict) else {}
    kind = config.get("type")
    extended = facts is not None and facts.thinking == "extended"
    if kind == "disabled" or (extended and kind != "enabled"):
        return None
    prompt = estimate_tokens(user_text(request))
    effort = effort_of(request, facts)
    tokens = THINKING_BASE[effort] + int(THINKING_RATIO[effort] * prompt)
    if kind == "enabled" and isinstance(config.get("budget_tokens"), int):
        tokens = min(tokens, config["budget_tokens"])
    return Thinking(tokens=max(1, tokens), summarized=config.get("display") == "summarized")


def thinking_block(thinking: Thinking) -> dict[str, Any]:
    """The ``thinking`` content block: summarised text (labelled synthetic) or omitted."""
    text = (
        f"{SYNTHETIC} Summarised thinking: {thinking.tokens} thinking tokens were simulated."
        if thinking.summarized
        else ""
    )
    return {"type": "thinking", "thinking": text, "signature": SIGNATURE}
