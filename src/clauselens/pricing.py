"""Model prices (``data/prices.json``), validated on load, and the cost of a request's usage.

Prices are data, not code: they change. A model missing from the file costs 0.0 and
``price_for`` returns None, so callers can say "cost unknown" instead of inventing a figure.
Dated model ids (``claude-haiku-4-5-20251001``) fall back to their undated alias.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from clauselens.errors import ConfigError
from clauselens.schemas import Usage

_DATED = re.compile(r"-\d{8}$")
PER_TOKENS = 1_000_000


class ModelPrice(BaseModel):
    """USD per million tokens."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    input: float = Field(ge=0)
    output: float = Field(ge=0)
    cache_write_5m: float = Field(ge=0)
    cache_read: float = Field(ge=0)


class PriceTable(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    currency: str
    unit: str
    as_of: str
    source: str
    batch_discount: float = Field(gt=0, le=1)
    models: dict[str, ModelPrice]


@cache
def load_prices() -> PriceTable:
    """Load and validate the shipped price table."""
    raw = resources.files("clauselens").joinpath("data/prices.json").read_text("utf-8")
    try:
        return PriceTable.model_validate(json.loads(raw))
    except (ValidationError, json.JSONDecodeError) as exc:
        raise ConfigError(f"data/prices.json is invalid: {exc}") from exc


def price_for(model: str) -> ModelPrice | None:
    models = load_prices().models
    return models.get(model) or models.get(_DATED.sub("", model))


def cost_usd(model: str, usage: Usage, *, batch: bool = False) -> float:
    """The cost of ``usage`` on ``model`` (0.0 for an unpriced model); ``batch`` halves it."""
    price = price_for(model)
    if price is None:
        return 0.0
    total = (
        usage.input_tokens * price.input
        + usage.output_tokens * price.output
        + usage.cache_creation_input_tokens * price.cache_write_5m
        + usage.cache_read_input_tokens * price.cache_read
    ) / PER_TOKENS
    if batch:
        total *= load_prices().batch_discount
    return round(total, 8)
