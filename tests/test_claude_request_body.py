"""What ``clauselens analyze --analyzer claude`` sends, as the fake server records it: requests
that fit the 5.5 models (issue 13, points 2-3), and the effort and max_tokens settings."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from click.testing import CliRunner

from clauselens.analyzers._request import NON_STREAMING_MAX_TOKENS
from clauselens.analyzers.base import ClauseInput
from clauselens.analyzers.claude import ClaudeAnalyzer, build_request
from clauselens.cli import main
from clauselens.config import Settings, load_settings
from clauselens.errors import ConfigError
from clauselens.models import model_facts
from clauselens.pipeline.runs.counting import analyzer_request
from clauselens.testing.fake_api import FakeApi
from tests.support.paths import FIXTURES

AUP = FIXTURES / "ota" / "current" / "claude-ai" / "acceptable-use-policy.md"
META = ["--entity", "Claude.ai", "--title", "Usage Policy"]
SAMPLING = ("temperature", "top_p", "top_k")


@pytest.fixture
def recorded(fake_api: FakeApi, api_key: str, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run the CLI against the fake server; return the /v1/messages bodies it recorded."""
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_api.base_url)

    def run(*extra: str) -> list[dict[str, Any]]:
        args = ["--db", db_url, "analyze", str(AUP), *META, "--analyzer", "claude", *extra]
        result = CliRunner().invoke(main, [*args, "--clause", "0"])
        assert result.exit_code == 0, result.output
        bodies = fake_api.message_bodies()
        assert bodies
        return bodies

    return run


class TestRecordedRequest:
    def test_the_request_fits_the_5_5_models(self, recorded: Any) -> None:
        """Effort present, room for thinking, no sampling parameter, no thinking field at all."""
        for body in recorded():
            assert body["output_config"]["effort"] == "medium"
            assert body["max_tokens"] >= 16_000
            assert not set(SAMPLING) & set(body)
            assert "thinking" not in body

    def test_evidence_comes_before_the_verdict_in_the_schema(self, recorded: Any) -> None:
        """Structured outputs are generated in schema order: quotes and rationale first."""
        [body, *_] = recorded()
        order = list(body["output_config"]["format"]["schema"]["properties"])
        for evidence in ("evidence_quotes", "confidence_rationale"):
            for verdict in ("severity", "confidence", "evidence_type"):
                assert order.index(evidence) < order.index(verdict)

    def test_effort_option_reaches_the_request(self, recorded: Any) -> None:
        assert {b["output_config"]["effort"] for b in recorded("--effort", "low")} == {"low"}

    def test_effort_environment_variable_reaches_the_request(
        self, recorded: Any, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("CLAUSELENS_EFFORT", "high")
        assert {b["output_config"]["effort"] for b in recorded()} == {"high"}

    def test_unsupported_effort_is_a_config_error_before_any_request(
        self, fake_api: FakeApi, api_key: str, db_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """xhigh is not among Sonnet 5.5's documented levels: exit 2, nothing sent."""
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_api.base_url)
        args = ["--db", db_url, "analyze", str(AUP), *META, "--analyzer", "claude"]
        result = CliRunner().invoke(main, [*args, "--effort", "xhigh"])
        assert result.exit_code == 2
        assert "effort 'xhigh' is not supported by claude-sonnet-5-5" in result.output
        assert fake_api.message_bodies() == []


class TestEffortAndMaxTokens:
    def test_default_effort_is_medium_where_the_model_has_it(
        self, high_risk_clause: ClauseInput
    ) -> None:
        for model in ("claude-sonnet-5-5", "claude-opus-5-5", "claude-haiku-5-5"):
            assert "medium" in (model_facts(model).efforts or [])
            params = build_request(high_risk_clause, model=model)
            assert params["output_config"]["effort"] == "medium"

    def test_a_model_without_effort_gets_no_effort_field(
        self, high_risk_clause: ClauseInput
    ) -> None:
        """Haiku 4.5 takes no effort parameter (models overview: 'Not supported')."""
        assert model_facts("claude-haiku-4-5").efforts == []
        params = build_request(high_risk_clause, model="claude-haiku-4-5")
        assert "effort" not in params["output_config"]

    def test_an_explicit_effort_on_a_model_without_effort_is_a_config_error(
        self, settings: Settings
    ) -> None:
        chosen = settings.model_copy(update={"model": "claude-haiku-4-5", "effort": "low"})
        with pytest.raises(ConfigError, match="not supported by claude-haiku-4-5"):
            ClaudeAnalyzer(chosen)

    def test_the_count_asks_for_what_the_analyzer_sends_without_building_one(
        self, settings: Settings, high_risk_clause: ClauseInput
    ) -> None:
        """The estimate and ``check`` count the analyzer's own params, refused on the same
        settings, with no analyzer (nor its client) built."""
        chosen = settings.model_copy(update={"effort": "high", "max_tokens": 20_000})
        expected = ClaudeAnalyzer(chosen).build_request(high_risk_clause)
        with mock.patch.object(ClaudeAnalyzer, "__init__", side_effect=AssertionError("built")):
            assert analyzer_request(chosen, high_risk_clause) == expected
        haiku = settings.model_copy(update={"model": "claude-haiku-4-5", "effort": "low"})
        with pytest.raises(ConfigError, match="not supported by claude-haiku-4-5"):
            analyzer_request(haiku, high_risk_clause)

    def test_max_tokens_is_capped_at_the_model_maximum(self, high_risk_clause: ClauseInput) -> None:
        haiku = model_facts("claude-haiku-4-5").max_output_tokens
        params = build_request(high_risk_clause, model="claude-haiku-4-5", max_tokens=haiku * 2)
        assert params["max_tokens"] == haiku

    def test_max_tokens_past_the_non_streaming_bound_is_a_config_error(
        self, settings: Settings
    ) -> None:
        """clauselens does not stream: more than 21,333 max_tokens could outlast ten minutes."""
        assert NON_STREAMING_MAX_TOKENS == 21_333
        with pytest.raises(ConfigError, match="max_tokens_retry 32,000 is over 21,333"):
            ClaudeAnalyzer(settings.model_copy(update={"max_tokens_retry": 32_000}))

    def test_defaults_leave_room_for_thinking_and_wait_as_long_as_the_sdk(self) -> None:
        """max_tokens >= 16,000; the read timeout is the SDK's 10 minutes, never less."""
        defaults = load_settings()
        assert defaults.max_tokens >= 16_000
        assert defaults.max_tokens_retry > defaults.max_tokens
        assert defaults.request_timeout == 600.0
        with pytest.raises(ConfigError):
            load_settings({"request_timeout": 120.0})


class TestEncodedBody:
    """The analyzer encodes the body itself (``request_body``): the bytes ``messages.create``
    would send for the same params, re-asks included, and the constants stay unchanged."""

    async def test_the_body_is_what_the_sdk_would_send(self, high_risk_clause: ClauseInput) -> None:
        from anthropic._utils._json import openapi_dumps
        from anthropic._utils._prepare import async_prepare_request_data

        from clauselens.analyzers.claude import _reask_messages, request_body

        first = build_request(high_risk_clause)
        reask = {**first, "messages": first["messages"] + _reask_messages("{}", ["e \u2028 ü"])}
        for params in (first, reask, build_request(high_risk_clause)):
            prepared = await async_prepare_request_data(params, location="body")
            assert request_body(params) == openapi_dumps(prepared)
