"""The fake behaves like the API: thinking, usage (cache_creation, service_tier), stop_details.

The session server thinks as documented (``strict_thinking`` is on by default); the thinking
tests run their own server with ``strict_thinking=True`` stated, and the lenient behaviour is
checked on a server started with ``strict_thinking=False``. Everything goes through the real SDK
to 127.0.0.1.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import anthropic
import pytest

from clauselens.analyzers.base import ClauseInput
from clauselens.analyzers.claude import build_request
from clauselens.models import model_facts
from clauselens.testing.fake_api import STRICT_THINKING_ENV, SYNTHETIC, FakeApi, Reply
from clauselens.testing.fake_api._thinking import THINKING_BASE
from tests.support.clauses import make_clause

SONNET = "claude-sonnet-5-5"
OPUS = "claude-opus-5-5"
HAIKU_45 = "claude-haiku-4-5"


@pytest.fixture(scope="module")
def _strict_server() -> Iterator[FakeApi]:
    with FakeApi(strict_thinking=True) as api:
        yield api


@pytest.fixture
def strict(_strict_server: FakeApi) -> Iterator[anthropic.Anthropic]:
    _strict_server.reset()
    with anthropic.Anthropic(
        base_url=_strict_server.base_url, api_key="sk-ant-fake", max_retries=0
    ) as c:
        yield c


@pytest.fixture
def lenient(fake_api: FakeApi) -> Iterator[anthropic.Anthropic]:
    """A client of the session server (strict by default; the name is kept from when it was
    not: these tests hold whichever way thinking is simulated)."""
    with anthropic.Anthropic(base_url=fake_api.base_url, api_key="sk-ant-fake", max_retries=0) as c:
        yield c


def _params(**changes: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "model": SONNET,
        "max_tokens": 16_000,
        "messages": [{"role": "user", "content": "<clause_text>\nWe may end it.\n</clause_text>"}],
    }
    params.update(changes)
    return params


def _thinking_tokens(message: anthropic.types.Message) -> int:
    details = message.usage.output_tokens_details
    assert details is not None
    return details.thinking_tokens


@pytest.fixture
def long_clause(high_risk_clause: ClauseInput) -> ClauseInput:
    return high_risk_clause


class TestThinkingBlock:
    def test_thinking_block_comes_first(self, strict: anthropic.Anthropic) -> None:
        message = strict.messages.create(**_params())
        assert [b.type for b in message.content] == ["thinking", "text"]

    def test_thinking_tokens_are_output_tokens(self, strict: anthropic.Anthropic) -> None:
        message = strict.messages.create(**_params())
        text = next(b.text for b in message.content if b.type == "text")
        thinking = _thinking_tokens(message)
        assert thinking > 0
        assert message.usage.output_tokens == thinking + len(text) // 4

    def test_thinking_is_omitted_by_default(self, strict: anthropic.Anthropic) -> None:
        block = strict.messages.create(**_params()).content[0]
        assert block.type == "thinking"
        assert (block.thinking, bool(block.signature)) == ("", True)

    def test_summarized_thinking_is_labelled_synthetic(self, strict: anthropic.Anthropic) -> None:
        thinking = {"type": "adaptive", "display": "summarized"}
        block = strict.messages.create(**_params(thinking=thinking)).content[0]
        assert block.type == "thinking"
        assert SYNTHETIC in block.thinking

    def test_more_effort_more_thinking(self, strict: anthropic.Anthropic) -> None:
        efforts = model_facts(SONNET).efforts or []
        sizes = [
            _thinking_tokens(strict.messages.create(**_params(output_config={"effort": e})))
            for e in efforts
        ]
        assert sizes == sorted(sizes)
        assert len(set(sizes)) == len(efforts) > 1

    @pytest.mark.parametrize("model", [SONNET, OPUS])
    def test_no_effort_means_the_model_default(
        self, strict: anthropic.Anthropic, model: str
    ) -> None:
        default = model_facts(model).default_effort
        assert default is not None
        implicit = strict.messages.create(**_params(model=model))
        explicit = strict.messages.create(**_params(model=model, output_config={"effort": default}))
        assert _thinking_tokens(implicit) == _thinking_tokens(explicit)

    def test_extended_thinking_model_does_not_think_unasked(
        self, strict: anthropic.Anthropic
    ) -> None:
        message = strict.messages.create(**_params(model=HAIKU_45))
        assert [b.type for b in message.content] == ["text"]

    def test_budget_caps_thinking(self, strict: anthropic.Anthropic) -> None:
        thinking = {"type": "enabled", "budget_tokens": 1024}
        message = strict.messages.create(**_params(model=HAIKU_45, thinking=thinking))
        assert _thinking_tokens(message) == 1024

    def test_lenient_server_keeps_the_old_answer(self) -> None:
        """With strict_thinking=False: no thinking block, output tokens are the text's."""
        with (
            FakeApi(strict_thinking=False) as api,
            anthropic.Anthropic(base_url=api.base_url, api_key="k", max_retries=0) as client,
        ):
            message = client.messages.create(**_params())
        assert [b.type for b in message.content] == ["text"]
        assert message.usage.output_tokens_details is None

    def test_the_session_server_thinks_by_default(self, lenient: anthropic.Anthropic) -> None:
        """Strict thinking is the fake's default, as on the real API."""
        assert lenient.messages.create(**_params()).content[0].type == "thinking"


class TestMaxTokens:
    def test_the_old_request_for_a_long_clause_stops_at_max_tokens(
        self, strict: anthropic.Anthropic, long_clause: ClauseInput
    ) -> None:
        """The request clauselens sent before issue 13 (max_tokens 4096, no effort: Sonnet 5.5
        thinks at its default, high) thinks past its limit: no answer text."""
        params = build_request(long_clause, max_tokens=4096)
        del params["output_config"]["effort"]
        message = strict.messages.create(**params)
        assert message.stop_reason == "max_tokens"
        assert [b.type for b in message.content] == ["thinking"]
        assert message.usage.output_tokens == 4096

    def test_the_new_request_for_a_long_clause_ends_the_turn(
        self, strict: anthropic.Anthropic, long_clause: ClauseInput
    ) -> None:
        """clauselens' request (max_tokens 16,000, effort medium) leaves room for thinking."""
        params = build_request(long_clause)
        assert (params["max_tokens"], params["output_config"]["effort"]) == (16_000, "medium")
        message = strict.messages.create(**params)
        assert message.stop_reason == "end_turn"
        text = next(b.text for b in message.content if b.type == "text")
        assert SYNTHETIC in json.loads(text)["summary"]
        assert message.usage.output_tokens < 16_000

    def test_a_short_clause_fits_in_4096(self, strict: anthropic.Anthropic) -> None:
        message = strict.messages.create(**build_request(make_clause("We may end it.")))
        assert message.stop_reason == "end_turn"

    def test_text_past_max_tokens_is_cut(self, strict: anthropic.Anthropic) -> None:
        """Thinking fits, the answer does not: the text is cut and the stop is max_tokens."""
        effort = "low"
        message = strict.messages.create(
            **_params(max_tokens=THINKING_BASE[effort] + 150, output_config={"effort": effort})
        )
        assert message.stop_reason == "max_tokens"
        assert [b.type for b in message.content] == ["thinking", "text"]
        assert message.usage.output_tokens <= THINKING_BASE[effort] + 150


class TestUsage:
    def test_service_tier_is_standard(self, lenient: anthropic.Anthropic) -> None:
        assert lenient.messages.create(**_params()).usage.service_tier == "standard"

    def test_cache_creation_is_split_by_ttl(self, lenient: anthropic.Anthropic) -> None:
        system: list[dict[str, Any]] = [
            {
                "type": "text",
                "text": "a" * 4000,
                "cache_control": {"type": "ephemeral", "ttl": "1h"},
            },
            {"type": "text", "text": "b" * 4000, "cache_control": {"type": "ephemeral"}},
        ]
        usage = lenient.messages.create(**_params(system=system)).usage
        assert usage.cache_creation is not None
        one_hour = usage.cache_creation.ephemeral_1h_input_tokens
        five_min = usage.cache_creation.ephemeral_5m_input_tokens
        assert one_hour > 0
        assert five_min == 1000
        assert one_hour + five_min == usage.cache_creation_input_tokens

    def test_cache_read_writes_nothing(self, lenient: anthropic.Anthropic) -> None:
        system = [{"type": "text", "text": "a" * 4000, "cache_control": {"type": "ephemeral"}}]
        lenient.messages.create(**_params(system=system))
        usage = lenient.messages.create(**_params(system=system)).usage
        assert usage.cache_read_input_tokens
        assert usage.cache_creation is not None
        assert usage.cache_creation.ephemeral_5m_input_tokens == 0


class TestStopDetails:
    def test_refusal_carries_stop_details(
        self, fake_api: FakeApi, lenient: anthropic.Anthropic
    ) -> None:
        fake_api.script(Reply(kind="refusal", refusal_category="cyber"))
        message = lenient.messages.create(**_params())
        assert message.stop_reason == "refusal"
        assert message.stop_details is not None
        assert (message.stop_details.type, message.stop_details.category) == ("refusal", "cyber")

    def test_end_turn_has_no_stop_details(self, lenient: anthropic.Anthropic) -> None:
        assert lenient.messages.create(**_params()).stop_details is None


def test_environment_variable_turns_strict_thinking_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """CLAUSELENS_FAKE_STRICT_THINKING=0 applies to servers started without the argument."""
    monkeypatch.setenv(STRICT_THINKING_ENV, "0")
    with (
        FakeApi() as api,
        anthropic.Anthropic(base_url=api.base_url, api_key="k", max_retries=0) as client,
    ):
        message = client.messages.create(**_params())
    assert [b.type for b in message.content] == ["text"]
