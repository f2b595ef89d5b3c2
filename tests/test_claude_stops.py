"""Every stop reason handled: any stop other than ``end_turn`` is a failed attempt recorded with
its reason; a re-ask only follows a non-blank answer; thinking is never read or sent back."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from clauselens.analyzers.base import ClauseInput
from clauselens.analyzers.claude import ClaudeAnalyzer
from clauselens.config import Settings
from clauselens.testing.fake_api import FakeApi, Reply


@pytest.fixture
async def analyzer(claude_settings: Settings) -> AsyncIterator[ClaudeAnalyzer]:
    claude = ClaudeAnalyzer(claude_settings)
    yield claude
    await claude.aclose()


class TestFinalStops:
    @pytest.mark.parametrize(
        "stop", ["model_context_window_exceeded", "pause_turn", "tool_use", "stop_sequence"]
    )
    async def test_stop_is_a_failed_attempt_sent_once(
        self,
        analyzer: ClaudeAnalyzer,
        fake_api: FakeApi,
        high_risk_clause: ClauseInput,
        stop: str,
    ) -> None:
        """Asking again would stop the same way: one request, the reason recorded."""
        fake_api.script(Reply(kind="ok", stop_reason=stop))
        result = await analyzer.analyze(high_risk_clause)
        assert result.status == "failed"
        assert len(fake_api.message_bodies()) == 1
        [failed] = result.provenance.failed_attempts
        assert failed.kind == stop
        assert stop in failed.message
        assert result.provenance.stop_reason == stop
        assert result.analysis is None

    async def test_refusal_is_recorded_with_its_category(
        self, analyzer: ClaudeAnalyzer, fake_api: FakeApi, high_risk_clause: ClauseInput
    ) -> None:
        fake_api.script(
            Reply(kind="refusal", refusal_category="cyber", refusal_explanation="scripted"),
            Reply(kind="refusal", refusal_category=None),
        )
        result = await analyzer.analyze(high_risk_clause)
        first, second = result.provenance.failed_attempts
        assert (first.kind, second.kind) == ("refusal", "refusal")
        assert "(category cyber): scripted" in first.message
        assert "(category uncategorised)" in second.message


class TestBlankAnswers:
    async def test_a_blank_answer_is_asked_again_never_reasked(
        self, analyzer: ClaudeAnalyzer, fake_api: FakeApi, high_risk_clause: ClauseInput
    ) -> None:
        """Nothing to correct: the second request is the first one, with no assistant turn."""
        fake_api.script(Reply(kind="text", text="  \n"), "ok")
        result = await analyzer.analyze(high_risk_clause)
        assert result.status == "valid"
        first, second = fake_api.message_bodies()
        assert second["messages"] == first["messages"]
        assert result.provenance.failed_attempts[0].kind == "empty_answer"
        assert not result.provenance.reasked

    async def test_a_refusal_with_no_text_is_never_sent_back(
        self, analyzer: ClaudeAnalyzer, fake_api: FakeApi, high_risk_clause: ClauseInput
    ) -> None:
        fake_api.script("refusal", "ok")
        await analyzer.analyze(high_risk_clause)
        for body in fake_api.message_bodies():
            assert [m["role"] for m in body["messages"]] == ["user"]


class TestThinking:
    async def test_a_reask_sends_back_the_answer_text_only(
        self, analyzer: ClaudeAnalyzer, fake_api: FakeApi, high_risk_clause: ClauseInput
    ) -> None:
        """The invalid answer came after a thinking block; the re-ask carries only its text."""
        fake_api.script("schema_invalid", "ok")
        result = await analyzer.analyze(high_risk_clause)
        assert result.status == "valid"
        _, reask = fake_api.message_bodies()
        assistant = reask["messages"][1]
        assert assistant["role"] == "assistant"
        assert isinstance(assistant["content"], str)
        assert assistant["content"].lstrip().startswith("{")
        assert "thinking" not in assistant["content"][:20]

    async def test_usage_counts_thinking_tokens_over_every_attempt(
        self, analyzer: ClaudeAnalyzer, fake_api: FakeApi, high_risk_clause: ClauseInput
    ) -> None:
        """The fake thinks on every request; the thinking is inside output_tokens."""
        fake_api.script("schema_invalid", "ok")
        result = await analyzer.analyze(high_risk_clause)
        usage = result.provenance.usage
        first = result.provenance.failed_attempts[0].usage
        assert 0 < first.thinking_tokens < usage.thinking_tokens < usage.output_tokens
