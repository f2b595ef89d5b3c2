"""ClaudeAnalyzer through the real SDK against the fake Messages API: answers, re-asks, stops."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable

import pytest

from clauselens import prompts
from clauselens.analyzers.base import ClauseInput
from clauselens.analyzers.claude import ClaudeAnalyzer
from clauselens.config import Settings
from clauselens.pricing import cost_usd
from clauselens.testing.fake_api import SYNTHETIC, FakeApi, Reply


@pytest.fixture
async def analyzer(claude_settings: Settings) -> AsyncIterator[ClaudeAnalyzer]:
    claude = ClaudeAnalyzer(claude_settings)
    yield claude
    await claude.aclose()


def _user_text(body: dict[str, object]) -> str:
    return json.dumps(body["messages"])


class TestValidAnswer:
    async def test_valid_answer_is_stored_with_full_provenance(
        self, analyzer: ClaudeAnalyzer, fake_api: FakeApi, high_risk_clause: ClauseInput
    ) -> None:
        """A schema-valid answer yields a valid result with request id, usage, cost, versions."""
        result = await analyzer.analyze(high_risk_clause)

        assert result.status == "valid"
        assert result.analysis is not None
        assert SYNTHETIC in result.analysis.summary
        p = result.provenance
        assert p.analyzer == "claude"
        assert p.model == "claude-sonnet-5-5"
        assert p.prompt_id == prompts.PROMPT_ID
        assert p.prompt_version == prompts.prompt_version()
        assert p.request_id
        assert p.request_id.startswith("req_")
        assert p.stop_reason == "end_turn"
        assert p.usage.output_tokens > 0
        assert p.usage.cache_creation_input_tokens > 0
        assert p.cost_usd == pytest.approx(cost_usd("claude-sonnet-5-5", p.usage))
        assert p.cost_usd > 0
        assert (p.attempts, p.failed_attempts, p.reasked) == (1, [], False)
        assert p.latency_ms > 0
        assert len(fake_api.message_bodies()) == 1

    async def test_thinking_block_before_text_is_skipped(
        self, analyzer: ClaudeAnalyzer, fake_api: FakeApi, high_risk_clause: ClauseInput
    ) -> None:
        """The answer is read from the text block even when a thinking block comes first."""
        fake_api.script("thinking")
        result = await analyzer.analyze(high_risk_clause)
        assert result.status == "valid"

    async def test_second_clause_reads_the_cache(
        self,
        analyzer: ClaudeAnalyzer,
        clause_factory: Callable[..., ClauseInput],
        high_risk_clause: ClauseInput,
    ) -> None:
        """The second clause of a document pays cache reads for the shared prefix."""
        await analyzer.analyze(high_risk_clause)
        other = clause_factory("You must not use our services to generate spam.", ("Spam",))
        second = await analyzer.analyze(other)
        assert second.provenance.usage.cache_read_input_tokens > 0
        assert second.provenance.usage.cache_creation_input_tokens == 0

    async def test_truncated_clause_gets_a_truncation_note(
        self, analyzer: ClaudeAnalyzer, clause_factory: Callable[..., ClauseInput]
    ) -> None:
        """A clause cut for the prompt is analysed with its truncation note and flagged as cut."""
        long_text = "You must not resell access to the services. " * 40
        clause = clause_factory(long_text, max_chars=600)
        result = await analyzer.analyze(clause)
        assert result.status == "valid"
        assert result.input_truncated
        assert result.analysis is not None
        assert result.analysis.truncation_note


class TestReask:
    async def test_schema_invalid_answer_is_reasked_with_its_errors(
        self, analyzer: ClaudeAnalyzer, fake_api: FakeApi, high_risk_clause: ClauseInput
    ) -> None:
        """The follow-up request carries the bad answer and the schema errors, then succeeds."""
        fake_api.script("schema_invalid")
        result = await analyzer.analyze(high_risk_clause)

        assert result.status == "valid"
        assert result.provenance.reasked
        assert result.provenance.attempts == 2
        [failed] = result.provenance.failed_attempts
        assert failed.kind == "schema_invalid"
        assert "summary" in failed.message
        assert failed.raw_output
        first, second = fake_api.message_bodies()
        assert second["messages"][:1] == first["messages"]
        assert second["messages"][1] == {"role": "assistant", "content": failed.raw_output}
        follow_up = second["messages"][2]
        assert follow_up["role"] == "user"
        assert "summary: Field required" in follow_up["content"]
        assert "severity: Input should be" in follow_up["content"]

    async def test_quote_not_in_clause_is_reasked(
        self, analyzer: ClaudeAnalyzer, fake_api: FakeApi, high_risk_clause: ClauseInput
    ) -> None:
        """An evidence quote absent from the clause is a semantic error sent back to the model."""
        fake_api.script("bad_quote")
        result = await analyzer.analyze(high_risk_clause)
        assert result.status == "valid"
        assert result.provenance.failed_attempts[0].kind == "semantic_invalid"
        follow_up = fake_api.message_bodies()[1]["messages"][2]["content"]
        assert "does not occur verbatim in the clause text" in follow_up

    async def test_non_json_answer_is_reasked(
        self, analyzer: ClaudeAnalyzer, fake_api: FakeApi, high_risk_clause: ClauseInput
    ) -> None:
        """Text that is not JSON is re-asked like any schema error."""
        fake_api.script("non_json")
        result = await analyzer.analyze(high_risk_clause)
        assert result.status == "valid"
        assert "not valid JSON" in result.provenance.failed_attempts[0].message

    async def test_still_invalid_after_last_attempt_is_a_recorded_failure(
        self, analyzer: ClaudeAnalyzer, fake_api: FakeApi, high_risk_clause: ClauseInput
    ) -> None:
        """When attempts run out: failed, every attempt's error kept, usage summed over all."""
        fake_api.script("schema_invalid", "bad_quote", "non_json")
        result = await analyzer.analyze(high_risk_clause)

        assert result.status == "failed"
        assert result.analysis is None
        failed = result.provenance.failed_attempts
        assert [a.kind for a in failed] == ["schema_invalid", "semantic_invalid", "schema_invalid"]
        assert [a.attempt for a in failed] == [1, 2, 3]
        assert all(a.raw_output for a in failed)
        total = sum(a.usage.output_tokens for a in failed)
        assert result.provenance.usage.output_tokens == total
        assert result.provenance.usage.input_tokens == sum(a.usage.input_tokens for a in failed)
        assert result.provenance.cost_usd > 0
        assert result.error
        assert "schema_invalid" in result.error
        assert len(fake_api.message_bodies()) == 3


class TestStopReasons:
    async def test_refusal_is_retried_once_then_recorded_as_failure(
        self, analyzer: ClaudeAnalyzer, fake_api: FakeApi, high_risk_clause: ClauseInput
    ) -> None:
        """Two refusals never yield a valid analysis; the stop reason is kept."""
        fake_api.script("refusal", "refusal")
        result = await analyzer.analyze(high_risk_clause)
        assert result.status == "failed"
        assert result.analysis is None
        assert result.provenance.stop_reason == "refusal"
        assert [a.kind for a in result.provenance.failed_attempts] == ["refusal", "refusal"]

    async def test_refusal_then_answer_is_valid(
        self, analyzer: ClaudeAnalyzer, fake_api: FakeApi, high_risk_clause: ClauseInput
    ) -> None:
        """One plain retry after a refusal; a good answer then counts, the refusal is recorded."""
        fake_api.script("refusal")
        result = await analyzer.analyze(high_risk_clause)
        assert result.status == "valid"
        assert result.provenance.failed_attempts[0].kind == "refusal"

    async def test_max_tokens_is_retried_with_more_room(
        self,
        analyzer: ClaudeAnalyzer,
        fake_api: FakeApi,
        claude_settings: Settings,
        high_risk_clause: ClauseInput,
    ) -> None:
        """A cut-off answer is never parsed; the retry asks for max_tokens_retry."""
        fake_api.script("max_tokens")
        result = await analyzer.analyze(high_risk_clause)
        assert result.status == "valid"
        first, second = fake_api.message_bodies()
        assert first["max_tokens"] == claude_settings.max_tokens
        assert second["max_tokens"] == claude_settings.max_tokens_retry

    async def test_max_tokens_twice_is_a_recorded_failure(
        self, analyzer: ClaudeAnalyzer, fake_api: FakeApi, high_risk_clause: ClauseInput
    ) -> None:
        """A second max_tokens stop is a failure with its raw output and stop reason."""
        fake_api.script("max_tokens", "max_tokens")
        result = await analyzer.analyze(high_risk_clause)
        assert result.status == "failed"
        assert result.provenance.stop_reason == "max_tokens"
        assert all(a.raw_output for a in result.provenance.failed_attempts)


class TestChangeAnalysis:
    async def test_change_is_analysed_with_the_change_schema(
        self, analyzer: ClaudeAnalyzer, fake_api: FakeApi, high_risk_clause: ClauseInput
    ) -> None:
        """analyze_change sends old/new text in their tags and validates a ChangeAnalysis."""
        old = "We may change these terms. We will tell you by email."
        new = "We may change these terms at any time without notice."
        previous = (await analyzer.analyze(high_risk_clause)).analysis
        fake_api.reset()
        result = await analyzer.analyze_change(old, new, previous, high_risk_clause.document)
        assert result.status == "valid"
        assert result.analysis is not None
        assert SYNTHETIC in result.analysis.what_changed
        [body] = fake_api.message_bodies()
        block = body["messages"][0]["content"][1]["text"]
        assert f"<old_text>\n{old}\n</old_text>" in block
        assert f"<new_text>\n{new}\n</new_text>" in block
        assert "what_changed" in body["output_config"]["format"]["schema"]["properties"]

    async def test_change_with_bad_quote_is_reasked(
        self, analyzer: ClaudeAnalyzer, fake_api: FakeApi, high_risk_clause: ClauseInput
    ) -> None:
        """The same re-ask loop serves change analysis."""
        fake_api.script(Reply(kind="text", text=json.dumps(_bad_change())))
        result = await analyzer.analyze_change(
            "Old words here.", "New words here.", None, high_risk_clause.document
        )
        assert result.status == "valid"
        assert result.provenance.reasked


def _bad_change() -> dict[str, object]:
    return {
        "what_changed": "Something changed.",
        "direction": "neutral",
        "severity": "low",
        "consumer_impact": "None.",
        "evidence_quotes": ["words that appear nowhere"],
    }
