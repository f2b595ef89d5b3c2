"""The Starlette app of the fake Messages API: state, request log and the message endpoints.

``FakeState`` holds everything a test drives: the script of replies (a queue; when empty, a
random fault at ``fault_rate`` or the synthetic answer), the request log, the prompt cache,
latency, the batches and the strictness switches (``strict_thinking``, ``expire_batches``).
``build_app(state)`` wires the routes; the batch routes are in ``_batches``.

Every response, errors included, carries ``x-clauselens-fake: 1`` (``FAKE_HEADER``): the fake
identifies itself, so that callers can tell synthetic answers from Claude's.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send

from clauselens.testing.fake_api._cache import PromptCache
from clauselens.testing.fake_api._replies import (
    HTTP_FAULTS,
    KINDS,
    RANDOM_FAULTS,
    TIMEOUT_DEFAULT_DELAY,
    Reply,
    error_body,
    message_body,
)
from clauselens.testing.fake_api._strict import (
    MAX_BATCH_BYTES,
    MAX_MESSAGES_BYTES,
    ApiProblem,
    check_headers,
    check_messages_request,
    check_size,
)

_REDACTED = ("authorization", "x-api-key")
FAKE_HEADER = ("x-clauselens-fake", "1")


@dataclass
class RecordedRequest:
    """One request the fake received. Credential headers are redacted (``<redacted>``).

    The body is kept as the bytes received and parsed when read. A parsed body is dozens of
    objects the garbage collector tracks (about 50 for an analyzer's request), and every full
    collection walks them all: a standalone fake that had answered 1,000 to 6,000 requests
    stopped for 34-209 ms in each one, holding up every reply in flight. Bytes are not
    tracked."""

    method: str
    path: str
    headers: dict[str, str]
    raw_body: bytes
    reply: str | None = None  # the kind of reply it got (``Reply.kind``), once chosen

    @property
    def body(self) -> Any:
        """The JSON body, parsed anew on each read; None when empty or not JSON."""
        return _parsed(self.raw_body)


def _parsed(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except json.JSONDecodeError:
        return None


@dataclass
class FakeState:
    latency: float = 0.0
    fault_rate: float = 0.0
    seed: int = 0
    batch_polls: int = 1
    strict_thinking: bool = True
    expire_batches: bool = False
    max_batch_bytes: int = MAX_BATCH_BYTES
    base_url: str = ""
    script: deque[Reply] = field(default_factory=deque)
    requests: list[RecordedRequest] = field(default_factory=list)
    cache: PromptCache = field(default_factory=PromptCache)
    batches: dict[str, dict[str, Any]] = field(default_factory=dict)
    rng: random.Random = field(default_factory=random.Random)
    counter: int = 0

    def __post_init__(self) -> None:
        self.rng.seed(self.seed)

    def next_id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}_fake{self.counter:020d}"

    def next_reply(self) -> Reply:
        if self.script:
            return self.script.popleft()
        if self.fault_rate and self.rng.random() < self.fault_rate:
            return Reply(kind=self.rng.choice(RANDOM_FAULTS))
        return Reply()


def as_reply(item: Reply | str) -> Reply:
    reply = Reply(kind=item) if isinstance(item, str) else item
    if reply.kind not in KINDS:
        raise ValueError(f"unknown reply kind {reply.kind!r}; one of {sorted(KINDS)}")
    return reply


def problem_response(
    problem: ApiProblem, request_id: str, should_retry: str | None = None
) -> JSONResponse:
    headers = {"request-id": request_id}
    if should_retry is not None:
        headers["x-should-retry"] = should_retry
    return JSONResponse(
        error_body(problem.error_type, problem.message, request_id),
        status_code=problem.status,
        headers=headers,
    )


class _ResetResponse(Response):
    """Starts a response, sends part of the body, then drops the connection."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(b"content-type", b"application/json"), (b"content-length", b"4096")]
        headers.append((FAKE_HEADER[0].encode(), FAKE_HEADER[1].encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b'{"id": "msg_', "more_body": True})
        raise ConnectionResetError("fake_api: simulated connection reset")


async def record(state: FakeState, request: Request) -> Any:
    raw = await request.body()
    headers = {k: ("<redacted>" if k in _REDACTED else v) for k, v in request.headers.items()}
    state.requests.append(RecordedRequest(request.method, request.url.path, headers, raw))
    return _parsed(raw)


async def _sleep_unless_disconnected(request: Request, seconds: float, since: float) -> None:
    """Wait until ``seconds`` after ``since`` (the request's arrival: the time spent reading
    and checking it is part of the latency, as a real API's would be), unless the client
    goes away first."""
    deadline = since + seconds
    while time.monotonic() < deadline:
        if await request.is_disconnected():
            return
        await asyncio.sleep(min(0.05, max(0.0, deadline - time.monotonic())))


def reply_response(state: FakeState, body: dict[str, Any], reply: Reply, rid: str) -> Response:
    """The HTTP response for ``reply`` to an accepted Messages request."""
    if reply.kind == "reset":
        return _ResetResponse()
    if reply.kind == "error":
        problem = ApiProblem(reply.status, reply.error_type, reply.message)
        return problem_response(problem, rid, reply.should_retry)
    if reply.kind == "expired":
        message = "fake_api: reply kind 'expired' is for Message Batches requests only"
        return problem_response(ApiProblem(500, "api_error", message), rid)
    if reply.kind in HTTP_FAULTS:
        status, error_type, message = HTTP_FAULTS[reply.kind]
        headers = {"request-id": rid}
        retry_after = 1.0 if reply.kind == "rate_limit" else None
        if reply.retry_after is not None:
            retry_after = reply.retry_after
        if retry_after is not None:
            headers["retry-after"] = f"{retry_after:g}"
        if reply.retry_after_ms is not None:
            headers["retry-after-ms"] = str(reply.retry_after_ms)
        if reply.should_retry is not None:
            headers["x-should-retry"] = reply.should_retry
        body_ = error_body(error_type, message, rid)
        return JSONResponse(body_, status_code=status, headers=headers)
    usage = state.cache.usage(body)
    answer = message_body(
        body, reply, state.next_id("msg"), usage, strict_thinking=state.strict_thinking
    )
    return JSONResponse(answer, headers={"request-id": rid})


async def messages(request: Request) -> Response:
    arrived = time.monotonic()
    state: FakeState = request.app.state.fake
    body = await record(state, request)
    recorded = state.requests[-1]  # no await since ``record`` appended it
    rid = state.next_id("req")
    problem = (
        check_size(await request.body(), MAX_MESSAGES_BYTES)
        or check_headers(request.headers)
        or check_messages_request(body)
    )
    if problem:
        return problem_response(problem, rid)
    reply = state.next_reply()
    recorded.reply = reply.kind
    delay = state.latency + reply.delay
    if reply.kind == "timeout":
        delay += reply.delay or TIMEOUT_DEFAULT_DELAY
    # A reply is built within its latency, as a real API's is: replies due together are not
    # built one after another once due. A timeout has no reply to build (the client gives up).
    response = None if reply.kind == "timeout" else reply_response(state, body, reply, rid)
    if delay:
        await _sleep_unless_disconnected(request, delay, arrived)
    return reply_response(state, body, reply, rid) if response is None else response


async def count_tokens(request: Request) -> Response:
    state: FakeState = request.app.state.fake
    body = await record(state, request)
    rid = state.next_id("req")
    problem = (
        check_size(await request.body(), MAX_MESSAGES_BYTES)
        or check_headers(request.headers)
        or check_messages_request(body, count_tokens=True)
    )
    if problem:
        return problem_response(problem, rid)
    usage = state.cache.usage(body, record=False)
    total = sum(
        usage[k] for k in ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")
    )
    return JSONResponse({"input_tokens": total}, headers={"request-id": rid})
