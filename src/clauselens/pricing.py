"""The cost of a request's usage, from the prices in the model facts (``data/models.json``).

Prices are data, not code: they change, and each has its source in the facts file. A model the
file does not know has no price: ``price_for`` returns None and ``cost_usd`` returns 0.0, so
callers can say "cost unknown" instead of inventing a figure. The same holds for a usage that
needs a rate the documentation does not give (``cost_or_none`` returns None, ``cost_usd`` 0.0).
Dated model ids (``claude-haiku-4-5-20251001``) fall back to their undated alias.

A usage is priced as one request: the long-context band (Haiku 5.5 above 100,000 prompt tokens)
is chosen from its prompt size. Pass ``requests`` when a usage sums several requests of the same
size, so the band is chosen per request.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict

from clauselens.models import Prices, Rates, load_models
from clauselens.schemas import Usage

_DATED = re.compile(r"-\d{8}$")
PER_TOKENS = 1_000_000

ModelPrice = Prices
"""USD per million tokens, as in the model facts (kept under its former name)."""

CacheTTL = Literal["5m", "1h"]


class PriceTable(BaseModel):
    """Every model's prices, keyed by model id."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    currency: str
    unit: str
    models: dict[str, ModelPrice]


def load_prices() -> PriceTable:
    """The price of every model in the shipped facts file."""
    facts = load_models()
    return PriceTable(
        currency=facts.currency,
        unit=facts.unit,
        models={m.id: m.prices for m in facts.models},
    )


def price_for(model: str) -> ModelPrice | None:
    """The prices of ``model`` (id, alias, snapshot or an unknown dated id of a known model)."""
    models = load_models()
    facts = models.find(model) or models.find(_DATED.sub("", model))
    return facts.prices if facts else None


def _rates(price: ModelPrice, usage: Usage, requests: int) -> Rates:
    band = price.long_context
    prompt = usage.input_tokens + usage.cache_creation_input_tokens + usage.cache_read_input_tokens
    if band is not None and prompt / max(requests, 1) > band.threshold_tokens:
        return band
    return price


def cost_or_none(
    model: str,
    usage: Usage,
    *,
    batch: bool = False,
    cache_ttl: CacheTTL = "5m",
    requests: int = 1,
) -> float | None:
    """The cost in USD of ``usage`` on ``model``, or None when a rate it needs is unknown.

    ``cache_ttl`` says which cache-write rate applies; ``batch`` applies the batch discount.
    """
    price = price_for(model)
    if price is None:
        return None
    rates = _rates(price, usage, requests)
    write = rates.cache_write_5m if cache_ttl == "5m" else rates.cache_write_1h
    parts = [
        (usage.input_tokens, rates.input),
        (usage.output_tokens, rates.output),
        (usage.cache_creation_input_tokens, write),
        (usage.cache_read_input_tokens, rates.cache_read),
    ]
    if any(tokens and rate is None for tokens, rate in parts):
        return None
    total = sum(tokens * (rate or 0.0) for tokens, rate in parts) / PER_TOKENS
    if batch:
        if price.batch_discount is None:
            return None
        total *= 1 - price.batch_discount
    return round(total, 8)


def cost_usd(
    model: str,
    usage: Usage,
    *,
    batch: bool = False,
    cache_ttl: CacheTTL = "5m",
    requests: int = 1,
) -> float:
    """The cost of ``usage`` on ``model``; 0.0 when it cannot be priced (see ``cost_or_none``)."""
    cost = cost_or_none(model, usage, batch=batch, cache_ttl=cache_ttl, requests=requests)
    return 0.0 if cost is None else cost
