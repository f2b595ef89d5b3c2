"""The price table (data/prices.json) and the cost of usage."""

from __future__ import annotations

import pytest

from clauselens.pricing import cost_usd, load_prices, price_for
from clauselens.schemas import Usage


def test_price_table_lists_the_current_models() -> None:
    prices = load_prices()
    assert prices.batch_discount == 0.5
    assert {"claude-haiku-5-5", "claude-sonnet-5-5", "claude-opus-5-5", "claude-haiku-4-5"} <= set(
        prices.models
    )


@pytest.mark.parametrize("model", ["claude-haiku-5-5", "claude-sonnet-5-5", "claude-opus-5-5"])
def test_cache_prices_follow_the_multipliers(model: str) -> None:
    """Cache writes cost 1.25x input and cache reads 0.1x."""
    price = price_for(model)
    assert price is not None
    assert price.cache_write_5m == pytest.approx(price.input * 1.25)
    assert price.cache_read == pytest.approx(price.input * 0.1)


def test_cost_counts_every_kind_of_token() -> None:
    usage = Usage(
        input_tokens=1_000_000,
        output_tokens=1_000_000,
        cache_creation_input_tokens=1_000_000,
        cache_read_input_tokens=1_000_000,
    )
    assert cost_usd("claude-sonnet-5-5", usage) == pytest.approx(2 + 10 + 2.5 + 0.2)
    assert cost_usd("claude-sonnet-5-5", usage, batch=True) == pytest.approx(7.35)


def test_dated_model_id_uses_its_alias_and_unknown_model_costs_nothing() -> None:
    usage = Usage(input_tokens=1_000_000)
    assert cost_usd("claude-haiku-4-5-20251001", usage) == pytest.approx(1.0)
    assert cost_usd("some-local-model", usage) == 0.0
