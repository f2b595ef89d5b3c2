"""Model facts (``data/models.json``): limits, effort, refused request fields and prices.

Every entry names the documentation pages it was read from (``source``) and the date it was
checked. A fact the documentation does not state is ``null`` in the file and ``None`` here, with
a note saying why: callers must treat ``None`` as "unknown", never as "no" or "free".

The file is validated on load: unknown keys are refused, every id, alias and snapshot id names
one model only, prices are non-negative and the default effort is one of the supported levels.
"""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from importlib import resources
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from clauselens.errors import ConfigError

Effort = Literal["low", "medium", "high", "xhigh", "max"]
Thinking = Literal["adaptive", "adaptive_always_on", "extended"]
ThinkingDisabled = Literal["always", "effort_above_high", "never"]

DATA_FILE = "data/models.json"

Rate = Annotated[float, Field(ge=0)]
TokenCount = Annotated[int, Field(gt=0)]


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Rates(_Frozen):
    """USD per million tokens; ``None`` where the documentation gives no figure."""

    input: Rate | None
    output: Rate | None
    cache_write_5m: Rate | None
    cache_write_1h: Rate | None
    cache_read: Rate | None


class LongContextBand(Rates):
    """Rates for a request whose prompt (input + cache writes + cache reads) is over threshold."""

    threshold_tokens: TokenCount


class Prices(Rates):
    """A model's rates, its batch discount (0.5 = half price) and any long-context band."""

    batch_discount: Annotated[float, Field(ge=0, lt=1)] | None
    long_context: LongContextBand | None


class Refusals(_Frozen):
    """Which request fields the API answers with a 400 on this model (``None``: not documented).

    ``sampling_params``: a non-default temperature, top_p or top_k. ``thinking_disabled``:
    ``thinking: {"type": "disabled"}`` is refused always, only above effort ``high``, or never.
    ``thinking_budget``: ``{"type": "enabled", "budget_tokens": N}``. ``assistant_prefill``:
    messages ending with an assistant turn. ``forced_tool_choice``: ``tool_choice`` any/tool.
    """

    sampling_params: bool | None
    thinking_disabled: ThinkingDisabled | None
    thinking_budget: bool | None
    assistant_prefill: bool | None
    forced_tool_choice: bool | None


class ModelFacts(_Frozen):
    """What clauselens knows about one model, with where it was read and when."""

    id: str = Field(min_length=1)
    name: str = Field(min_length=1)
    aliases: list[str]
    snapshots: list[str]
    context_window: TokenCount
    max_output_tokens: TokenCount
    max_output_tokens_batch_beta: TokenCount | None
    min_cacheable_tokens: TokenCount | None
    thinking: Thinking
    efforts: list[Effort] | None
    default_effort: Effort | None
    refuses: Refusals
    prices: Prices
    source: list[Annotated[str, Field(pattern=r"^https://")]] = Field(min_length=1)
    checked: date
    notes: list[str]

    @model_validator(mode="after")
    def _default_effort_is_supported(self) -> ModelFacts:
        if self.default_effort is None or self.efforts is None:
            return self
        if not self.efforts:
            raise ValueError(f"{self.id}: default_effort set but the model supports no effort")
        if self.default_effort not in self.efforts:
            raise ValueError(
                f"{self.id}: default_effort {self.default_effort!r} is not among its "
                f"supported efforts {self.efforts}"
            )
        return self

    @property
    def names(self) -> list[str]:
        """The id, then every alias and snapshot id that resolves to this model."""
        return [self.id, *self.aliases, *self.snapshots]


class ModelsFile(_Frozen):
    schema_version: Literal[1]
    currency: Literal["USD"]
    unit: Literal["per million tokens"]
    models: list[ModelFacts] = Field(min_length=1)

    @model_validator(mode="after")
    def _names_are_unique(self) -> ModelsFile:
        owner: dict[str, str] = {}
        for facts in self.models:
            for name in facts.names:
                if name in owner:
                    raise ValueError(
                        f"model name {name!r} is used by both {owner[name]} and {facts.id}"
                    )
                owner[name] = facts.id
        return self

    @property
    def ids(self) -> list[str]:
        return [m.id for m in self.models]

    def find(self, name: str) -> ModelFacts | None:
        """The model whose id, alias or snapshot id is ``name``, or None."""
        return next((m for m in self.models if name in m.names), None)


def parse_models(text: str, origin: str = DATA_FILE) -> ModelsFile:
    """Validate the text of a models file; any problem is a ConfigError naming ``origin``."""
    try:
        return ModelsFile.model_validate(json.loads(text))
    except (ValidationError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{origin} is invalid: {exc}") from exc


@cache
def load_models() -> ModelsFile:
    """Load and validate the shipped model facts (once per process)."""
    return parse_models(resources.files("clauselens").joinpath(DATA_FILE).read_text("utf-8"))


def model_facts(name: str) -> ModelFacts:
    """The facts of the model called ``name`` (id, alias or snapshot id).

    Raises ConfigError for a model the file does not know, listing the known ids.
    """
    models = load_models()
    facts = models.find(name)
    if facts is None:
        raise ConfigError(f"unknown model {name!r}: data/models.json knows {', '.join(models.ids)}")
    return facts


# Not a fact: data/models.json leaves ``min_cacheable_tokens`` null where the stored docs do not
# state it. Then 512 is assumed, the figure notes/anthropic-sdk.md gives for the 5.5 models (Opus
# 5's what's-new page also says 512); the estimate and the fake server both use this one rule.
UNKNOWN_MIN_CACHEABLE_TOKENS = 512


def min_cacheable_tokens(name: str) -> int:
    """The shortest prefix the model caches (an unknown model or figure: the assumption above)."""
    facts = load_models().find(name)
    if facts is None or facts.min_cacheable_tokens is None:
        return UNKNOWN_MIN_CACHEABLE_TOKENS
    return facts.min_cacheable_tokens
