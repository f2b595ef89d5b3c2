"""``clauselens check`` and the token-counted ``--dry-run``, through the real SDK against the fake
Messages API on 127.0.0.1 (never the real API)."""

from __future__ import annotations

import json
import logging
import socket
from pathlib import Path

import anthropic
import httpx2
import pytest
from click.testing import CliRunner, Result

from clauselens.analyzers.claude import ClaudeAnalyzer, build_request
from clauselens.cli import main
from clauselens.config import load_settings
from clauselens.errors import ApiError
from clauselens.pipeline.runs.check import load_sample
from clauselens.pipeline.runs.counting import count_request_tokens
from clauselens.pricing import cost_or_none
from clauselens.schemas import Usage
from clauselens.testing.fake_api import SYNTHETIC, FakeApi
from tests.support.keys import FAKE_API_KEY
from tests.support.paths import FIXTURES

COUNT_PATH = "/v1/messages/count_tokens"
HISTORY = FIXTURES / "ota" / "history" / "chatgpt" / "terms-of-service"


def invoke(*args: str, db: Path | None = None) -> Result:
    prefix = ["--db", str(db)] if db else []
    return CliRunner().invoke(main, [*prefix, *args])


def paths(api: FakeApi) -> list[str]:
    return [r.path for r in api.requests]


@pytest.fixture
def on_fake(fake_api: FakeApi, api_key: str, monkeypatch: pytest.MonkeyPatch) -> FakeApi:
    """The CLI pointed at the fake server with the recognisable fake key."""
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_api.base_url)
    return fake_api


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class TestWithoutAKey:
    def test_says_what_it_would_check_sends_nothing_and_exits_0(self, fake_api: FakeApi) -> None:
        """No key: the command lists the checks it would make, names the model, calls nothing."""
        result = invoke("check", "--model", "claude-haiku-5-5", "--analyze")
        assert result.exit_code == 0, result.output
        assert "ANTHROPIC_API_KEY is not set: nothing was sent" in result.output
        assert "claude-haiku-5-5" in result.output
        assert "count_tokens" in result.output
        assert "send the sample clause once" in result.output
        assert fake_api.requests == []


class TestWithAKey:
    def test_counts_the_sample_tokens_and_prints_the_cost(self, on_fake: FakeApi) -> None:
        """A valid model: one free count_tokens call, no Messages call, the cost from the facts."""
        result = invoke("check", "--json")
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        (model,) = report["models"]
        assert paths(on_fake) == [COUNT_PATH]
        tokens = model["prompt_tokens"]
        assert tokens > 1000
        per_clause = model["costs"][0]
        usage = Usage(input_tokens=tokens, output_tokens=report["output_tokens_assumed"])
        assert per_clause["direct_usd"] == pytest.approx(cost_or_none("claude-sonnet-5-5", usage))
        assert model["costs"][1]["direct_usd"] == pytest.approx(per_clause["direct_usd"] * 1000)

    def test_counts_the_full_request_the_analyzer_would_send(self, on_fake: FakeApi) -> None:
        """The counted body is the analyzer's request (system, context, clause, output_config)."""
        assert invoke("check").exit_code == 0
        settings = load_settings()
        sent = ClaudeAnalyzer(settings).build_request(load_sample(settings))
        sent.pop("max_tokens")
        (counted,) = [r.body for r in on_fake.requests if r.path == COUNT_PATH]
        assert counted == sent

    def test_reports_the_effort_and_max_tokens_of_the_request(self, on_fake: FakeApi) -> None:
        """The check says what a run would ask for: --effort reaches the counted request."""
        result = invoke("check", "--effort", "low")
        assert result.exit_code == 0, result.output
        assert "request: effort low, max_tokens 16,000" in result.stdout
        (counted,) = [r.body for r in on_fake.requests if r.path == COUNT_PATH]
        assert counted["output_config"]["effort"] == "low"

    def test_text_output_states_the_output_token_assumption(self, on_fake: FakeApi) -> None:
        """The plain report names the model, the counted tokens, the costs and the assumption."""
        result = invoke("check", "--output-tokens", "2000")
        assert result.exit_code == 0, result.output
        for text in ("claude-sonnet-5-5: key and model access OK", "prompt tokens", "per clause:"):
            assert text in result.output
        assert "per 1,000 clauses:" in result.output
        assert "2,000 output tokens per clause: given with --output-tokens" in result.output

    def test_prices_a_corpus_with_a_token_counted_dry_run(self, on_fake: FakeApi) -> None:
        """--corpus adds the run's calls and cost over those captures, counted on a sample."""
        result = invoke("check", "--corpus", str(HISTORY))
        assert result.exit_code == 0, result.output
        assert "calls, with prompt caching" in result.output
        assert "token counting endpoint on 3 sample clause(s)" in result.output
        assert "/v1/messages" not in paths(on_fake)

    def test_unknown_model_is_named_and_exits_1(self, on_fake: FakeApi) -> None:
        """A 404 model: a one-line error naming it; the valid model is still checked."""
        result = invoke("check", "--model", "claude-nope-9", "--model", "claude-sonnet-5-5")
        assert result.exit_code == 1
        errors = result.stderr.strip().splitlines()
        assert len(errors) == 1
        assert "model 'claude-nope-9' was not found" in errors[0]
        assert on_fake.base_url in errors[0]
        assert "claude-sonnet-5-5: key and model access OK" in result.stdout

    def test_unreachable_base_url_is_named_and_exits_1(
        self, api_key: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Nothing listens on the URL: one line naming it, exit 1, in seconds."""
        url = closed_port_url()
        monkeypatch.setenv("ANTHROPIC_BASE_URL", url)
        result = invoke("check")
        assert result.exit_code == 1
        assert result.stderr.strip() == (
            f"error: cannot reach the Messages API at {url} (connection failed: ConnectError); "
            "check ANTHROPIC_BASE_URL and the network"
        )

    def test_refused_key_is_one_line_naming_the_url(self, api_key: str) -> None:
        """A key the API refuses (401, the documented error shape) becomes one ``ApiError``
        line naming the URL, without the key (the fake accepts any non-blank key, so the 401
        comes from an SDK mock transport)."""

        def refuse(request: httpx2.Request) -> httpx2.Response:
            body = {
                "type": "error",
                "error": {"type": "authentication_error", "message": "invalid x-api-key"},
            }
            return httpx2.Response(401, json=body, headers={"request-id": "req_401"})

        client = anthropic.Anthropic(
            base_url="https://api.example.test",
            max_retries=0,
            http_client=httpx2.Client(transport=httpx2.MockTransport(refuse)),
        )
        params = build_request(load_sample(load_settings()), model="claude-sonnet-5-5")
        with pytest.raises(ApiError) as caught:
            count_request_tokens(client, params)
        assert caught.value.status_code == 401
        assert str(caught.value) == (
            "the API key was refused by https://api.example.test: check ANTHROPIC_API_KEY "
            "(HTTP 401 authentication_error: invalid x-api-key; request id req_401)"
        )
        assert api_key not in str(caught.value)


class TestAnalyze:
    def test_prints_a_validated_synthetic_analysis_and_stores_nothing(
        self, on_fake: FakeApi, tmp_path: Path
    ) -> None:
        """--analyze sends the sample once, prints the validated answer (the fake's synthetic
        label shows), its tokens and cost, and writes no store."""
        db = tmp_path / "user.db"
        result = invoke("check", "--analyze", db=db)
        assert result.exit_code == 0, result.output
        assert "analysis: valid after 1 request(s), stop end_turn" in result.output
        assert f"summary: {SYNTHETIC}" in result.output
        assert "(thinking included" in result.output
        assert len(on_fake.message_bodies()) == 1
        assert not db.exists()
        assert not (Path.cwd() / "clauselens.db").exists()

    def test_json_carries_the_analysis_with_usage_and_cost(self, on_fake: FakeApi) -> None:
        """The JSON report holds the validated analysis and its provenance (usage, cost)."""
        result = invoke("check", "--analyze", "--json")
        assert result.exit_code == 0, result.output
        (model,) = json.loads(result.stdout)["models"]
        analysis = model["analysis"]
        assert analysis["status"] == "valid"
        assert SYNTHETIC in analysis["analysis"]["summary"]
        assert analysis["provenance"]["usage"]["output_tokens"] > 0
        assert analysis["provenance"]["cost_usd"] > 0


class TestTheKeyNeverShows:
    @pytest.mark.parametrize(
        "args",
        [
            ("check", "--analyze"),
            ("check", "--analyze", "--json"),
            ("check", "--model", "claude-nope-9"),
            ("-vv", "check", "--analyze", "--corpus", str(HISTORY)),
        ],
    )
    def test_the_key_is_absent_from_output_and_logs(
        self, on_fake: FakeApi, caplog: pytest.LogCaptureFixture, args: tuple[str, ...]
    ) -> None:
        """Whatever the outcome and verbosity, the fake key string is never printed or logged."""
        caplog.set_level(logging.DEBUG)
        result = invoke(*args)
        assert on_fake.requests
        assert FAKE_API_KEY not in result.output
        assert FAKE_API_KEY not in caplog.text


class TestTokenCountedDryRun:
    def test_with_a_key_counts_a_sample_and_says_so(self, on_fake: FakeApi, db_url: str) -> None:
        """--dry-run with a key counts a few clauses' requests (free) and sends no message."""
        result = invoke("--db", db_url, "run", str(HISTORY), "--dry-run")
        assert result.exit_code == 0, result.output
        assert "claude-sonnet-5-5 tokens: token counting endpoint on 3 sample clause(s)" in (
            result.output
        )
        assert set(paths(on_fake)) == {COUNT_PATH}
        assert len(on_fake.requests) == 3
        assert FAKE_API_KEY not in result.output

    def test_without_a_key_says_it_falls_back_to_characters(self, fake_api: FakeApi) -> None:
        """No key: the estimate says it used characters / 4, and why."""
        result = invoke("run", str(HISTORY), "--dry-run")
        assert result.exit_code == 0, result.output
        assert "characters / 4 of the rendered prompt (token counting: no ANTHROPIC_API_KEY)" in (
            result.output
        )
        assert fake_api.requests == []

    def test_a_refused_count_falls_back_and_says_why(
        self, api_key: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Counting that fails (unreachable URL) falls back to characters / 4, naming the URL."""
        url = closed_port_url()
        monkeypatch.setenv("ANTHROPIC_BASE_URL", url)
        result = invoke("run", str(HISTORY), "--dry-run")
        assert result.exit_code == 0, result.output
        assert f"characters / 4: token counting failed, cannot reach the Messages API at {url}" in (
            result.output
        )
