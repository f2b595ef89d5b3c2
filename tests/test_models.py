"""The model facts file (data/models.json), its loader and the costs computed from it.

Expected costs are worked out here from the documented prices, not read back from the file:
Opus 5.5 $4 input / $20 output / $5 5-minute write / $8 1-hour write / $0.20 cache read and
50% off batches (https://platform.claude.com/docs/zh-CN/models/opus-5-5/overview); Haiku 5.5
$0.10 / $0.50 / $0.125 / $0.20 up to 100,000 prompt tokens and $0.50 / $2.50 / $0.625 / $1
above (https://platform.claude.com/docs/zh-TW/models/haiku-5-5/overview).
"""

from __future__ import annotations

import json
import typing
from collections.abc import Callable
from datetime import date
from importlib import resources
from typing import Any

import anthropic.types
import pytest

from clauselens.errors import ConfigError
from clauselens.models import ModelsFile, load_models, model_facts, parse_models
from clauselens.pricing import cost_or_none, cost_usd
from clauselens.schemas import Usage

MTOK = 1_000_000


def _shipped() -> dict[str, Any]:
    text = resources.files("clauselens").joinpath("data/models.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def _corrupt(change: Callable[[dict[str, Any]], None]) -> str:
    data = _shipped()
    change(data)
    return json.dumps(data)


def _entry(data: dict[str, Any], model_id: str) -> dict[str, Any]:
    entry: dict[str, Any] = next(m for m in data["models"] if m["id"] == model_id)
    return entry


class TestShippedFile:
    def test_it_validates_and_lists_the_current_models(self) -> None:
        """The shipped file loads and holds the four models the project names, plus Fable 5.2."""
        ids = set(load_models().ids)
        assert {"claude-sonnet-5-5", "claude-opus-5-5", "claude-haiku-5-5"} <= ids
        assert {"claude-haiku-4-5", "claude-fable-5-2"} <= ids

    def test_every_entry_cites_the_docs_and_a_check_date(self) -> None:
        """Each model names documentation pages and the date they were read."""
        for facts in load_models().models:
            assert all(url.startswith("https://platform.claude.com/docs/") for url in facts.source)
            assert facts.checked <= date(2026, 12, 1)

    def test_every_name_is_one_the_sdk_knows(self) -> None:
        """Ids and snapshot ids are real API model names (the SDK's Model literal lists them)."""
        known = set(typing.get_args(typing.get_args(anthropic.types.Model)[0]))
        for facts in load_models().models:
            assert set(facts.names) <= known, facts.id

    def test_a_fact_the_docs_do_not_give_is_none_not_zero(self) -> None:
        """Haiku 5.5's cache-read price is not in the stored docs, so it stays unknown."""
        assert model_facts("claude-haiku-5-5").prices.cache_read is None


class TestLookup:
    def test_a_snapshot_id_resolves_to_its_model(self) -> None:
        assert model_facts("claude-haiku-4-5-20251001").id == "claude-haiku-4-5"

    def test_an_id_resolves_to_itself(self) -> None:
        assert model_facts("claude-opus-5-5").default_effort == "medium"

    def test_an_unknown_model_is_refused_with_the_known_ids(self) -> None:
        with pytest.raises(ConfigError) as err:
            model_facts("claude-sonnet-9")
        assert "claude-sonnet-9" in str(err.value)
        for model_id in load_models().ids:
            assert model_id in str(err.value)


class TestCorruptedFile:
    def test_the_unchanged_text_parses(self) -> None:
        assert isinstance(parse_models(json.dumps(_shipped())), ModelsFile)

    def test_a_default_effort_outside_the_supported_ones_is_refused(self) -> None:
        def change(data: dict[str, Any]) -> None:
            _entry(data, "claude-sonnet-5-5")["default_effort"] = "max"

        with pytest.raises(ConfigError, match="default_effort 'max' is not among"):
            parse_models(_corrupt(change))

    def test_a_default_effort_on_a_model_without_effort_is_refused(self) -> None:
        def change(data: dict[str, Any]) -> None:
            _entry(data, "claude-haiku-4-5")["default_effort"] = "high"

        with pytest.raises(ConfigError, match="supports no effort"):
            parse_models(_corrupt(change))

    def test_an_alias_used_by_two_models_is_refused(self) -> None:
        def change(data: dict[str, Any]) -> None:
            _entry(data, "claude-opus-5-5")["aliases"] = ["claude-haiku-4-5-20251001"]

        with pytest.raises(ConfigError, match="'claude-haiku-4-5-20251001' is used by both"):
            parse_models(_corrupt(change))

    def test_a_negative_price_is_refused(self) -> None:
        def change(data: dict[str, Any]) -> None:
            _entry(data, "claude-opus-5-5")["prices"]["cache_read"] = -0.2

        with pytest.raises(ConfigError, match="cache_read"):
            parse_models(_corrupt(change))

    def test_an_unknown_key_is_refused(self) -> None:
        def change(data: dict[str, Any]) -> None:
            _entry(data, "claude-opus-5-5")["max_tokens"] = 4096

        with pytest.raises(ConfigError, match="max_tokens"):
            parse_models(_corrupt(change))

    def test_an_entry_without_a_source_is_refused(self) -> None:
        def change(data: dict[str, Any]) -> None:
            _entry(data, "claude-opus-5-5")["source"] = []

        with pytest.raises(ConfigError, match="source"):
            parse_models(_corrupt(change))


class TestCostFromFacts:
    USAGE = Usage(
        input_tokens=10_000,
        output_tokens=2_000,
        cache_creation_input_tokens=5_000,
        cache_read_input_tokens=50_000,
    )

    def test_opus_cost_counts_every_kind_of_token(self) -> None:
        expected = (10_000 * 4 + 2_000 * 20 + 5_000 * 5 + 50_000 * 0.20) / MTOK
        assert cost_usd("claude-opus-5-5", self.USAGE) == pytest.approx(expected)

    def test_a_one_hour_cache_write_uses_its_own_rate(self) -> None:
        expected = (10_000 * 4 + 2_000 * 20 + 5_000 * 8 + 50_000 * 0.20) / MTOK
        assert cost_usd("claude-opus-5-5", self.USAGE, cache_ttl="1h") == pytest.approx(expected)

    def test_a_batch_costs_half(self) -> None:
        expected = (10_000 * 4 + 2_000 * 20 + 5_000 * 5 + 50_000 * 0.20) / MTOK / 2
        assert cost_usd("claude-opus-5-5", self.USAGE, batch=True) == pytest.approx(expected)

    def test_haiku_5_5_below_the_band_uses_the_short_prompt_rates(self) -> None:
        usage = Usage(input_tokens=90_000, output_tokens=1_000, cache_creation_input_tokens=10_000)
        expected = (90_000 * 0.10 + 1_000 * 0.50 + 10_000 * 0.125) / MTOK
        assert cost_usd("claude-haiku-5-5", usage) == pytest.approx(expected)

    def test_haiku_5_5_over_100k_prompt_tokens_is_priced_at_the_long_band(self) -> None:
        """Cache writes count toward the prompt; the higher band then applies to output too."""
        usage = Usage(input_tokens=95_000, output_tokens=1_000, cache_creation_input_tokens=10_000)
        expected = (95_000 * 0.50 + 1_000 * 2.50 + 10_000 * 0.625) / MTOK
        assert cost_usd("claude-haiku-5-5", usage) == pytest.approx(expected)

    def test_the_band_is_chosen_per_request_when_usage_sums_requests(self) -> None:
        usage = Usage(input_tokens=120_000, output_tokens=2_000)
        expected = (120_000 * 0.10 + 2_000 * 0.50) / MTOK
        assert cost_usd("claude-haiku-5-5", usage, requests=2) == pytest.approx(expected)

    def test_a_usage_needing_an_undocumented_rate_has_no_cost(self) -> None:
        """Haiku 5.5 cache reads have no documented price: unknown, never a guess."""
        usage = Usage(input_tokens=1_000, cache_read_input_tokens=1_000)
        assert cost_or_none("claude-haiku-5-5", usage) is None
        assert cost_usd("claude-haiku-5-5", usage) == 0.0
