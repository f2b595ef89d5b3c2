"""Message Batches on the fake: the documented limits, expired results, batch usage, errors.

Through the real SDK against the fake server on 127.0.0.1.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import anthropic
import pytest

from clauselens.testing.fake_api import FAKE_HEADER, FakeApi, Reply
from clauselens.testing.fake_api._strict import MAX_BATCH_BYTES, MAX_BATCH_REQUESTS


def _params(**changes: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "model": "claude-sonnet-5-5",
        "max_tokens": 1024,
        "messages": [{"role": "user", "content": "<clause_text>\nWe may end it.\n</clause_text>"}],
    }
    params.update(changes)
    return params


def _requests(n: int, **changes: Any) -> list[Any]:
    return [{"custom_id": f"c{i}", "params": _params(**changes)} for i in range(n)]


@pytest.fixture
def client(fake_api: FakeApi) -> Iterator[anthropic.Anthropic]:
    with anthropic.Anthropic(base_url=fake_api.base_url, api_key="sk-ant-fake", max_retries=0) as c:
        yield c


def _ended(client: anthropic.Anthropic, batch_id: str) -> anthropic.types.messages.MessageBatch:
    for _ in range(5):
        batch = client.messages.batches.retrieve(batch_id)
        if batch.processing_status == "ended":
            return batch
    raise AssertionError("the batch did not end")


def _results(client: anthropic.Anthropic, requests: list[Any]) -> list[Any]:
    batch = client.messages.batches.create(requests=requests)
    _ended(client, batch.id)
    return list(client.messages.batches.results(batch.id))


class TestLimits:
    def test_the_documented_limits(self) -> None:
        """Batch processing page: 100,000 requests or 256 MB."""
        assert (MAX_BATCH_REQUESTS, MAX_BATCH_BYTES) == (100_000, 256 * 1024 * 1024)

    def test_more_than_100000_requests_is_400(self, client: anthropic.Anthropic) -> None:
        with pytest.raises(anthropic.BadRequestError) as caught:
            client.messages.batches.create(requests=_requests(MAX_BATCH_REQUESTS + 1))
        assert isinstance(caught.value.body, dict)
        assert caught.value.body["error"]["type"] == "invalid_request_error"

    def test_over_the_size_limit_is_413_request_too_large(self) -> None:
        """The size rule, with the limit lowered so the test stays small."""
        with (
            FakeApi(max_batch_bytes=10_000) as api,
            anthropic.Anthropic(base_url=api.base_url, api_key="k", max_retries=0) as client,
            pytest.raises(anthropic.APIStatusError) as caught,
        ):
            client.messages.batches.create(requests=_requests(100))
        assert caught.value.status_code == 413
        assert isinstance(caught.value.body, dict)
        assert caught.value.body["error"]["type"] == "request_too_large"

    def test_missing_anthropic_version_is_400(self, client: anthropic.Anthropic) -> None:
        with pytest.raises(anthropic.BadRequestError):
            client.messages.batches.create(
                requests=_requests(1), extra_headers={"anthropic-version": anthropic.Omit()}
            )


class TestResults:
    def test_scripted_expired_request_ends_expired(
        self, fake_api: FakeApi, client: anthropic.Anthropic
    ) -> None:
        fake_api.script("expired")
        batch = client.messages.batches.create(requests=_requests(1))
        ended = _ended(client, batch.id)
        assert ended.request_counts.expired == 1
        [result] = client.messages.batches.results(batch.id)
        assert result.result.type == "expired"

    def test_expire_batches_expires_every_request(self) -> None:
        with (
            FakeApi(expire_batches=True) as api,
            anthropic.Anthropic(base_url=api.base_url, api_key="k", max_retries=0) as client,
        ):
            results = _results(client, _requests(3))
        assert [r.result.type for r in results] == ["expired"] * 3

    def test_succeeded_usage_is_batch_tier(self, client: anthropic.Anthropic) -> None:
        [result] = _results(client, _requests(1))
        assert result.result.type == "succeeded"
        assert result.result.message.usage.service_tier == "batch"

    def test_errored_result_has_the_error_shape(self, client: anthropic.Anthropic) -> None:
        [result] = _results(client, _requests(1, thinking={"type": "disabled"}))
        assert result.result.type == "errored"
        error = result.result.error
        assert error.type == "error"
        assert error.error.type == "invalid_request_error"
        assert error.request_id

    def test_batch_responses_identify_the_fake(self, client: anthropic.Anthropic) -> None:
        raw = client.messages.batches.with_raw_response.create(requests=_requests(1))
        assert raw.headers[FAKE_HEADER[0]] == FAKE_HEADER[1]

    def test_expired_reply_outside_a_batch_is_a_fake_error(
        self, fake_api: FakeApi, client: anthropic.Anthropic
    ) -> None:
        """``expired`` is a batch outcome; scripting it for /v1/messages says so (500)."""
        fake_api.script(Reply(kind="expired"))
        with pytest.raises(anthropic.InternalServerError, match="Message Batches"):
            client.messages.create(**_params())
