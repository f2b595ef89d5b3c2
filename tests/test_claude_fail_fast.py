"""Retries as the SDK makes them (408, 409, x-should-retry), a timed-out generation retried once,
refused requests sent once, and an unreachable base URL that fails fast, naming itself."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from clauselens.analyzers._retry import MAX_CONNECT_ATTEMPTS
from clauselens.analyzers.backoff import Backoff
from clauselens.analyzers.base import ClauseInput
from clauselens.analyzers.claude import ClaudeAnalyzer
from clauselens.cli import main
from clauselens.config import Settings, load_settings
from clauselens.errors import ApiError, ApiUnreachableError
from clauselens.pipeline.runs.run import RunOptions, run
from clauselens.testing.fake_api import FakeApi, Reply
from tests.support.paths import FIXTURES


class Waits:
    """A ``Backoff`` whose sleeps are recorded instead of taken."""

    def __init__(self) -> None:
        self.slept: list[float] = []
        self.backoff = Backoff(sleep=self._sleep, clock=lambda: 0.0)

    async def _sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


def _closed_port() -> int:
    """A localhost port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def _analyze(settings: Settings, clause: ClauseInput, backoff: Backoff | None = None) -> Any:
    claude = ClaudeAnalyzer(settings, backoff=backoff)
    try:
        return await claude.analyze(clause)
    finally:
        await claude.aclose()


class TestSdkRetryPolicy:
    @pytest.mark.parametrize("status", [408, 409])
    async def test_status_the_sdk_retries_is_retried(
        self,
        claude_settings: Settings,
        fake_api: FakeApi,
        high_risk_clause: ClauseInput,
        status: int,
    ) -> None:
        fake_api.script(Reply(kind="error", status=status, error_type="api_error"))
        result = await _analyze(claude_settings, high_risk_clause)
        assert result.status == "valid"
        assert len(fake_api.message_bodies()) == 2

    async def test_x_should_retry_false_is_obeyed_even_on_a_500(
        self, claude_settings: Settings, fake_api: FakeApi, high_risk_clause: ClauseInput
    ) -> None:
        fake_api.script(Reply(kind="server_error", should_retry="false"))
        with pytest.raises(ApiError, match="HTTP 500"):
            await _analyze(claude_settings, high_risk_clause)
        assert len(fake_api.message_bodies()) == 1

    async def test_x_should_retry_true_is_obeyed_even_on_a_400(
        self, claude_settings: Settings, fake_api: FakeApi, high_risk_clause: ClauseInput
    ) -> None:
        fake_api.script(Reply(kind="error", status=400, should_retry="true"))
        result = await _analyze(claude_settings, high_risk_clause)
        assert result.status == "valid"
        assert len(fake_api.message_bodies()) == 2

    @pytest.mark.parametrize(
        ("status", "error_type"),
        [
            (400, "invalid_request_error"),
            (401, "authentication_error"),
            (403, "permission_error"),
            (404, "not_found_error"),
        ],
    )
    async def test_refused_request_is_sent_once(
        self,
        claude_settings: Settings,
        fake_api: FakeApi,
        high_risk_clause: ClauseInput,
        status: int,
        error_type: str,
    ) -> None:
        fake_api.script(Reply(kind="error", status=status, error_type=error_type))
        with pytest.raises(ApiError) as caught:
            await _analyze(claude_settings, high_risk_clause)
        assert caught.value.status_code == status
        assert len(fake_api.message_bodies()) == 1

    async def test_a_timed_out_generation_is_retried_at_most_once(
        self, claude_settings: Settings, fake_api: FakeApi, high_risk_clause: ClauseInput
    ) -> None:
        """Two read timeouts: the clause fails after two requests, though budget remains."""
        short = claude_settings.model_copy(update={"request_timeout": 0.3})
        fake_api.script(*[Reply(kind="timeout", delay=2)] * 3)
        result = await _analyze(short, high_risk_clause)
        assert result.status == "failed"
        assert len(fake_api.message_bodies()) == 2
        [failed] = result.provenance.failed_attempts
        assert failed.kind == "transport"


class TestUnreachableBaseUrl:
    async def test_a_closed_port_fails_naming_the_url_after_three_connects(
        self, claude_settings: Settings, high_risk_clause: ClauseInput
    ) -> None:
        """Connection refused: three connection attempts (two waits), then an error that says
        which URL could not be reached and which variable sets it."""
        url = f"http://127.0.0.1:{_closed_port()}"
        waits = Waits()
        settings = claude_settings.model_copy(update={"base_url": url})
        with pytest.raises(ApiUnreachableError) as caught:
            await _analyze(settings, high_risk_clause, waits.backoff)
        assert url in str(caught.value)
        assert "ANTHROPIC_BASE_URL" in str(caught.value)
        assert caught.value.url == url
        assert len(waits.slept) == MAX_CONNECT_ATTEMPTS - 1

    def test_the_default_connection_budget_is_well_under_a_minute(self) -> None:
        """Worst case (every connect times out): attempts x connect timeout + the waits."""
        s = load_settings()
        waits = sum(min(s.retry_max_backoff, s.retry_initial_wait * 2**n) for n in range(3))
        jitter = s.retry_initial_wait * (MAX_CONNECT_ATTEMPTS - 1)
        worst = MAX_CONNECT_ATTEMPTS * s.connect_timeout + waits + jitter
        assert worst < 30

    def test_a_run_stops_on_an_unreachable_url(
        self, settings: Settings, api_key: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The CLI run ends at the first clause, with the URL in its message (short waits
        between connection attempts come from the config file)."""
        home = Path(os.environ["CLAUSELENS_HOME"])
        home.mkdir(parents=True, exist_ok=True)
        (home / "config.toml").write_text("retry_initial_wait = 0.01\nretry_max_backoff = 0.05\n")
        url = f"http://127.0.0.1:{_closed_port()}"
        monkeypatch.setenv("ANTHROPIC_BASE_URL", url)
        aup = FIXTURES / "ota" / "current" / "claude-ai" / "acceptable-use-policy.md"
        args = ["--db", settings.db_url, "analyze", str(aup), "--analyzer", "claude"]
        result = CliRunner().invoke(main, [*args, "--entity", "Claude.ai", "--title", "AUP"])
        assert result.exit_code != 0
        assert f"cannot reach the Messages API at {url}" in result.output

    def test_a_batch_submission_to_an_unreachable_url_names_it(
        self, settings: Settings, engine: sa.Engine, api_key: str
    ) -> None:
        """The batches mode stops with the same message: which URL could not be reached."""
        url = f"http://127.0.0.1:{_closed_port()}"
        short = settings.model_copy(
            update={"base_url": url, "retry_initial_wait": 0.01, "retry_max_backoff": 0.05}
        )
        aup = FIXTURES / "ota" / "current" / "claude-ai" / "acceptable-use-policy.md"
        summary = run(
            engine,
            [aup],
            short,
            RunOptions(analyzer="claude", via="batches"),
            ingest_options={"entity": "Claude.ai", "title": "AUP"},
        )
        assert summary.fatal is not None
        assert f"cannot reach the Messages API at {url}" in summary.fatal
