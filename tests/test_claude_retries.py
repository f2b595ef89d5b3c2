"""The transient-error policy and refused requests, through the real SDK and the fake API."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from clauselens.analyzers.backoff import Backoff
from clauselens.analyzers.base import ClauseInput
from clauselens.analyzers.claude import ClaudeAnalyzer
from clauselens.config import Settings
from clauselens.errors import ApiError
from clauselens.testing.fake_api import FakeApi, Reply


@pytest.fixture
async def analyzer(claude_settings: Settings) -> AsyncIterator[ClaudeAnalyzer]:
    claude = ClaudeAnalyzer(claude_settings)
    yield claude
    await claude.aclose()


class Waits:
    """A ``Backoff`` whose sleeps are recorded on a fake clock instead of taken."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []
        self.backoff = Backoff(sleep=self._sleep, clock=lambda: self.now)

    async def _sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def waits() -> Waits:
    return Waits()


class TestTransientErrors:
    async def test_429_with_retry_after_waits_at_least_that_long(
        self,
        claude_settings: Settings,
        fake_api: FakeApi,
        high_risk_clause: ClauseInput,
        waits: Waits,
    ) -> None:
        """retry-after: 1 is honoured even though the backoff alone would wait ~10 ms."""
        fake_api.script(Reply(kind="rate_limit", retry_after=1))
        claude = ClaudeAnalyzer(claude_settings, backoff=waits.backoff)
        result = await claude.analyze(high_risk_clause)
        await claude.aclose()
        assert waits.slept == [1.0]
        assert result.status == "valid"
        assert len(fake_api.message_bodies()) == 2

    async def test_retry_after_ms_is_honoured(
        self,
        claude_settings: Settings,
        fake_api: FakeApi,
        high_risk_clause: ClauseInput,
        waits: Waits,
    ) -> None:
        """retry-after-ms takes precedence over the exponential backoff."""
        fake_api.script(Reply(kind="overloaded", retry_after=None, retry_after_ms=300))
        claude = ClaudeAnalyzer(claude_settings, backoff=waits.backoff)
        result = await claude.analyze(high_risk_clause)
        await claude.aclose()
        assert waits.slept == [0.3]
        assert result.status == "valid"

    @pytest.mark.parametrize("fault", ["server_error", "overloaded", "reset"])
    async def test_fault_is_retried(
        self,
        analyzer: ClaudeAnalyzer,
        fake_api: FakeApi,
        high_risk_clause: ClauseInput,
        fault: str,
    ) -> None:
        """500, 529 and a reset connection are retried; the answer after them is stored."""
        fake_api.script(fault, fault)
        result = await analyzer.analyze(high_risk_clause)
        assert result.status == "valid"
        assert len(fake_api.message_bodies()) == 3
        assert result.provenance.failed_attempts == []

    async def test_timeout_is_retried(
        self, claude_settings: Settings, fake_api: FakeApi, high_risk_clause: ClauseInput
    ) -> None:
        """A request that outlives the client timeout is retried."""
        claude = ClaudeAnalyzer(claude_settings.model_copy(update={"request_timeout": 0.3}))
        fake_api.script(Reply(kind="timeout", delay=2))
        result = await claude.analyze(high_risk_clause)
        await claude.aclose()
        assert result.status == "valid"
        assert len(fake_api.message_bodies()) == 2

    async def test_transient_errors_past_the_wait_budget_are_a_recorded_failure(
        self,
        claude_settings: Settings,
        fake_api: FakeApi,
        high_risk_clause: ClauseInput,
        waits: Waits,
    ) -> None:
        """When the total wait would pass retry_max_wait, the clause fails and the run goes on."""
        short = claude_settings.model_copy(update={"retry_max_wait": 0.5})
        claude = ClaudeAnalyzer(short, backoff=waits.backoff)
        fake_api.script(*[Reply(kind="overloaded", retry_after=0.3)] * 5)
        result = await claude.analyze(high_risk_clause)
        await claude.aclose()
        assert waits.slept == [0.3]
        assert result.status == "failed"
        [failed] = result.provenance.failed_attempts
        assert failed.kind == "api_error"
        assert "529" in failed.message
        assert len(fake_api.message_bodies()) == 2


class TestRefusedRequests:
    async def test_a_400_after_a_reask_carries_what_the_clause_had_cost(
        self, analyzer: ClaudeAnalyzer, fake_api: FakeApi, high_risk_clause: ClauseInput
    ) -> None:
        """Tokens spent on an invalid first answer are not lost when the re-ask is refused."""
        fake_api.script("schema_invalid", Reply(kind="error", status=400, message="too long"))
        with pytest.raises(ApiError) as caught:
            await analyzer.analyze(high_risk_clause)
        assert len(fake_api.message_bodies()) == 2
        assert caught.value.usage["input_tokens"] > 0
        assert caught.value.usage["output_tokens"] > 0

    async def test_400_is_not_retried_and_reported_clearly(
        self, analyzer: ClaudeAnalyzer, fake_api: FakeApi, high_risk_clause: ClauseInput
    ) -> None:
        """A 400 raises ApiError after exactly one request, with status, id and API message."""
        fake_api.script(Reply(kind="error", status=400, message="messages: text too long"))
        with pytest.raises(ApiError) as caught:
            await analyzer.analyze(high_risk_clause)
        assert len(fake_api.message_bodies()) == 1
        assert caught.value.status_code == 400
        assert caught.value.request_id
        assert caught.value.request_id in str(caught.value)
        assert "invalid_request_error: messages: text too long" in str(caught.value)

    async def test_401_is_not_retried_and_reported_clearly(
        self,
        analyzer: ClaudeAnalyzer,
        fake_api: FakeApi,
        high_risk_clause: ClauseInput,
        api_key: str,
    ) -> None:
        """A 401 raises ApiError after one request; the message names the variable, not the key."""
        fake_api.script(
            Reply(kind="error", status=401, error_type="authentication_error", message="bad key")
        )
        with pytest.raises(ApiError) as caught:
            await analyzer.analyze(high_risk_clause)
        assert len(fake_api.message_bodies()) == 1
        assert caught.value.status_code == 401
        assert "ANTHROPIC_API_KEY" in str(caught.value)
        assert api_key not in str(caught.value)

    async def test_unknown_model_is_refused_by_the_fake_and_not_retried(
        self, claude_settings: Settings, fake_api: FakeApi, high_risk_clause: ClauseInput
    ) -> None:
        """The fake's own strictness reaches the analyzer as a clear ApiError."""
        claude = ClaudeAnalyzer(claude_settings.model_copy(update={"model": "claude-nonesuch"}))
        with pytest.raises(ApiError, match="not_found_error: model: claude-nonesuch"):
            await claude.analyze(high_risk_clause)
        await claude.aclose()
        assert len(fake_api.message_bodies()) == 1


class TestBackoff:
    async def test_rate_limit_pauses_every_analyzer_sharing_the_backoff(
        self, claude_settings: Settings, fake_api: FakeApi, high_risk_clause: ClauseInput
    ) -> None:
        """A 429 seen by one analyzer makes another one with the same Backoff wait too."""
        slept: list[float] = []

        async def sleep(seconds: float) -> None:
            slept.append(seconds)

        backoff = Backoff(sleep=sleep)
        patient = claude_settings.model_copy(update={"retry_max_wait": 100.0})
        first = ClaudeAnalyzer(patient, backoff=backoff)
        second = ClaudeAnalyzer(patient, backoff=backoff)
        fake_api.script(Reply(kind="rate_limit", retry_after=30))
        assert (await first.analyze(high_risk_clause)).status == "valid"
        assert slept[0] >= 30
        slept.clear()
        assert (await second.analyze(high_risk_clause)).status == "valid"
        assert slept
        assert slept[0] > 25
        await first.aclose()
        await second.aclose()
