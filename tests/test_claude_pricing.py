"""The prices read from the model facts (data/models.json) and the cost of usage.

Sonnet 5.5 prices: $2 input, $10 output, $2.50 5-minute cache write
(https://platform.claude.com/docs/zh-CN/models/sonnet-5-5/overview), cache reads $0.10 ("half
the Claude Sonnet 5 rate", https://platform.claude.com/docs/en/models/sonnet-5-5/migration-guide),
50% off batches. Opus 5.5 cache reads $0.20
(https://platform.claude.com/docs/zh-CN/models/opus-5-5/overview).
"""

from __future__ import annotations

import pytest

from clauselens.pricing import cost_usd, load_prices, price_for
from clauselens.schemas import Usage


def test_price_table_lists_the_current_models() -> None:
    prices = load_prices()
    assert {"claude-haiku-5-5", "claude-sonnet-5-5", "claude-opus-5-5", "claude-haiku-4-5"} <= set(
        prices.models
    )
    assert prices.models["claude-sonnet-5-5"].batch_discount == 0.5


@pytest.mark.parametrize(
    ("model", "cache_read"), [("claude-sonnet-5-5", 0.10), ("claude-opus-5-5", 0.20)]
)
def test_cache_reads_cost_the_documented_price_not_a_tenth_of_input(
    model: str, cache_read: float
) -> None:
    """Cache reads on the 5.5 models cost 0.05x input, as documented, not the old 0.1x."""
    price = price_for(model)
    assert price is not None
    assert price.cache_read == pytest.approx(cache_read)


def test_cost_counts_every_kind_of_token() -> None:
    usage = Usage(
        input_tokens=1_000_000,
        output_tokens=1_000_000,
        cache_creation_input_tokens=1_000_000,
        cache_read_input_tokens=1_000_000,
    )
    assert cost_usd("claude-sonnet-5-5", usage) == pytest.approx(2 + 10 + 2.5 + 0.1)
    assert cost_usd("claude-sonnet-5-5", usage, batch=True) == pytest.approx(7.3)


def test_dated_model_id_uses_its_alias_and_unknown_model_costs_nothing() -> None:
    usage = Usage(input_tokens=1_000_000)
    assert cost_usd("claude-haiku-4-5-20251001", usage) == pytest.approx(1.0)
    assert cost_usd("some-local-model", usage) == 0.0
