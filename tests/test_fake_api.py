"""The fake Messages API is as strict as the real one, and speaks its shapes (SDK-parsable)."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import anthropic
import httpx2
import pytest

from clauselens import prompts
from clauselens.testing.fake_api import SYNTHETIC, FakeApi, Reply

AUTH = {"authorization": "Bearer sk-ant-test-fake", "anthropic-version": "2023-06-01"}


def _valid(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": "claude-sonnet-5-5",
        "max_tokens": 16_000,  # room for the fake's documented thinking (on by default)
        "messages": [{"role": "user", "content": "<clause_text>\nWe may end it.\n</clause_text>"}],
        "output_config": {"format": {"type": "json_schema", "schema": prompts.output_schema()}},
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def _schema(**extra: Any) -> dict[str, Any]:
    node = {"type": "string", **extra}
    return {"type": "object", "properties": {"a": node}, "required": ["a"],
            "additionalProperties": False}  # fmt: skip


@pytest.fixture
def http(fake_api: FakeApi) -> Iterator[httpx2.Client]:
    with httpx2.Client(base_url=fake_api.base_url, headers=AUTH) as client:
        yield client


def _tracked_from(root: object) -> int:
    """How many objects the garbage collector tracks among those reachable from ``root``."""
    seen, stack = {id(root)}, [root]
    while stack:
        for ref in gc.get_referents(stack.pop()):
            if gc.is_tracked(ref) and id(ref) not in seen and not isinstance(ref, type):
                seen.add(id(ref))
                stack.append(ref)
    return len(seen)


def _error(response: httpx2.Response) -> tuple[int, str, str]:
    body = response.json()
    assert body["type"] == "error"
    assert response.headers["request-id"]
    return response.status_code, body["error"]["type"], body["error"]["message"]


STRICT_400 = {
    "missing max_tokens": _valid(max_tokens=None),
    "temperature on 5.5": _valid(temperature=0.2),
    "top_p on 5.5": _valid(top_p=0.9),
    "top_k on 5.5": _valid(top_k=5),
    "forced tool_choice any": _valid(tool_choice={"type": "any"}),
    "forced tool_choice tool": _valid(tool_choice={"type": "tool", "name": "x"}),
    "assistant prefill": _valid(
        messages=[{"role": "user", "content": "hi"}, {"role": "assistant", "content": "{"}]
    ),
    "object without additionalProperties false": _valid(
        output_config={"format": {"type": "json_schema", "schema": {"type": "object"}}}
    ),
    "string minLength": _valid(
        output_config={"format": {"type": "json_schema", "schema": _schema(minLength=3)}}
    ),
    "string maxLength": _valid(
        output_config={"format": {"type": "json_schema", "schema": _schema(maxLength=3)}}
    ),
    "numeric minimum": _valid(
        output_config={
            "format": {
                "type": "json_schema",
                "schema": {
                    "type": "object",
                    "properties": {"n": {"type": "integer", "minimum": 0}},
                    "additionalProperties": False,
                },
            }
        }
    ),
    "array minItems 2": _valid(
        output_config={
            "format": {
                "type": "json_schema",
                "schema": {
                    "type": "object",
                    "properties": {"l": {"type": "array", "items": {}, "minItems": 2}},
                    "additionalProperties": False,
                },
            }
        }
    ),
    "five cache breakpoints": _valid(
        system=[
            {"type": "text", "text": f"s{i}", "cache_control": {"type": "ephemeral"}}
            for i in range(5)
        ]
    ),
}


class TestStrictness:
    @pytest.mark.parametrize("body", STRICT_400.values(), ids=STRICT_400.keys())
    def test_refused_with_400_invalid_request_error(
        self, http: httpx2.Client, body: dict[str, Any]
    ) -> None:
        """What the API refuses, the fake refuses with the API's status and error type."""
        status, error_type, _ = _error(http.post("/v1/messages", json=body))
        assert (status, error_type) == (400, "invalid_request_error")

    def test_unknown_model_is_not_found(self, http: httpx2.Client) -> None:
        """A model id not in the SDK's model list is a 404 not_found_error, as on the API."""
        status, error_type, message = _error(
            http.post("/v1/messages", json=_valid(model="claude-nonesuch"))
        )
        assert (status, error_type, message) == (404, "not_found_error", "model: claude-nonesuch")

    def test_missing_credentials_is_401(self, fake_api: FakeApi) -> None:
        """No Authorization or x-api-key header: 401 authentication_error."""
        response = httpx2.post(f"{fake_api.base_url}/v1/messages", json=_valid())
        assert _error(response)[:2] == (401, "authentication_error")

    def test_what_the_analyzer_sends_is_accepted(self, http: httpx2.Client) -> None:
        """Defaults (temperature 1, tool_choice auto, older model with temperature) pass."""
        for body in (
            _valid(),
            _valid(temperature=1.0, tool_choice={"type": "auto"}),
            _valid(model="claude-haiku-4-5", temperature=0.0),
        ):
            assert http.post("/v1/messages", json=body).status_code == 200


class TestAnswers:
    def test_synthetic_answer_is_labelled_and_quotes_the_clause(self, http: httpx2.Client) -> None:
        """The default answer says it is synthetic; its quote is a sentence of the clause."""
        message = http.post("/v1/messages", json=_valid()).json()
        assert message["id"].startswith("msg_")
        assert (message["type"], message["role"], message["stop_reason"]) == (
            "message",
            "assistant",
            "end_turn",
        )
        assert [b["type"] for b in message["content"]] == ["thinking", "text"]
        answer = json.loads(message["content"][1]["text"])
        assert SYNTHETIC in answer["summary"]
        assert answer["evidence_quotes"] == ["We may end it."]
        assert answer["truncation_note"] is None
        assert set(message["usage"]) == {
            "input_tokens",
            "output_tokens",
            "cache_creation_input_tokens",
            "cache_read_input_tokens",
            "cache_creation",
            "service_tier",
            "output_tokens_details",
        }

    def test_recorded_requests_keep_their_bodies_out_of_the_collector(
        self, fake_api: FakeApi, http: httpx2.Client
    ) -> None:
        """A recorded request reads back the JSON it received, but holds it as bytes: a parsed
        body is objects every full collection walks, and thousands of them stalled the server
        and every reply in flight. Its tracked objects do not grow with the body."""
        blocks = [{"type": "text", "text": f"Clause sentence {i} about data."} for i in range(300)]
        sent = _valid(messages=[{"role": "user", "content": blocks}])
        assert http.post("/v1/messages", json=sent).status_code == 200
        http.post("/v1/messages", content=b"not json", headers={"content-type": "text/plain"})
        recorded, garbled = fake_api.requests[-2:]
        assert recorded.body == sent
        assert garbled.body is None
        assert _tracked_from(recorded) < 10, "the parsed body (39 objects here) is kept"

    def test_random_faults_follow_the_seed(self) -> None:
        """With a fault rate and a seed, the same faults come back in the same order."""
        runs = []
        for _ in range(2):
            with FakeApi(fault_rate=0.5, seed=7) as api:
                statuses = []
                for _ in range(12):
                    try:
                        r = httpx2.post(f"{api.base_url}/v1/messages", json=_valid(), headers=AUTH)
                        statuses.append(r.status_code)
                    except httpx2.TransportError:
                        statuses.append(-1)
                runs.append(statuses)
        assert runs[0] == runs[1]
        assert set(runs[0]) - {200}

    def test_unknown_script_kind_is_refused(self, fake_api: FakeApi) -> None:
        with pytest.raises(ValueError, match="unknown reply kind"):
            fake_api.script(Reply(kind="nonsense"))


class TestSdkShapes:
    async def test_count_tokens_does_not_fill_the_cache(self, fake_api: FakeApi) -> None:
        """count_tokens answers input_tokens and leaves the cache cold."""
        client = anthropic.AsyncAnthropic(base_url=fake_api.base_url, api_key="sk-ant-test")
        body = _valid(max_tokens=None)
        counted = await client.messages.count_tokens(**body)
        assert counted.input_tokens > 0
        message = await client.messages.create(**_valid())
        assert message.usage.cache_read_input_tokens == 0
        await client.close()

    async def test_batch_lifecycle_and_shuffled_results(self, fake_api: FakeApi) -> None:
        """A batch is in progress for the configured polls, then ends; results come shuffled."""
        client = anthropic.AsyncAnthropic(base_url=fake_api.base_url, api_key="sk-ant-test")
        requests: list[dict[str, Any]] = [
            {"custom_id": f"clause-{i}", "params": _valid()} for i in range(8)
        ]
        requests[3]["params"] = _valid(temperature=0.1)
        batch = await client.messages.batches.create(requests=requests)  # type: ignore[arg-type]
        assert batch.processing_status == "in_progress"
        assert batch.request_counts.processing == 8
        assert (await client.messages.batches.retrieve(batch.id)).processing_status == (
            "in_progress"
        )
        ended = await client.messages.batches.retrieve(batch.id)
        assert ended.processing_status == "ended"
        assert ended.results_url
        assert (ended.request_counts.succeeded, ended.request_counts.errored) == (7, 1)
        results = [r async for r in await client.messages.batches.results(batch.id)]
        ids = [r.custom_id for r in results]
        assert sorted(ids) == sorted(r["custom_id"] for r in requests)
        assert ids != [r["custom_id"] for r in requests]
        errored = {r.custom_id: r.result.type for r in results}
        assert errored["clause-3"] == "errored"
        await client.close()

    async def test_cancel_ends_the_batch_with_canceled_results(self, fake_api: FakeApi) -> None:
        client = anthropic.AsyncAnthropic(base_url=fake_api.base_url, api_key="sk-ant-test")
        batch = await client.messages.batches.create(
            requests=[{"custom_id": "a", "params": _valid()}]  # type: ignore[typeddict-item]
        )
        assert (await client.messages.batches.cancel(batch.id)).processing_status == "canceling"
        assert (await client.messages.batches.retrieve(batch.id)).request_counts.canceled == 1
        await client.close()


def test_cli_prints_the_base_url() -> None:
    """python -m clauselens.testing.fake_api prints a base URL that answers."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "clauselens.testing.fake_api", "--latency", "5"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        base_url = proc.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:")
        response = httpx2.post(f"{base_url}/v1/messages", json=_valid(), headers=AUTH)
        assert response.status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=10)
