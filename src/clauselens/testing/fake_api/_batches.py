"""Message Batches endpoints of the fake API: create, retrieve, results (JSONL), cancel.

A batch stays ``in_progress`` for ``state.batch_polls`` retrievals, then ends: each request is
answered as ``/v1/messages`` would (script, random faults, synthetic answer). HTTP faults and
refused params become ``errored`` results; a scripted ``expired`` reply, or every request when
the server runs with ``expire_batches``, becomes an ``expired`` result (the batch-processing page:
requests not processed within 24 hours expire). Results come back shuffled (seeded), as the API
gives no order guarantee. ``cancel`` marks the batch ``canceling``; the next retrieval ends it
with every request ``canceled``. Create refuses batches over 100,000 requests (400) or 256 MB
(413), per https://platform.claude.com/docs/en/build-with-claude/batch-processing ("Batch
limitations") and https://platform.claude.com/docs/en/api/errors ("Request size limits").
Succeeded messages report ``usage.service_tier: "batch"``
(https://platform.claude.com/docs/en/api/service-tiers: the Batch tier).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from clauselens.testing.fake_api._app import FakeState, problem_response, record
from clauselens.testing.fake_api._replies import HTTP_FAULTS, Reply, error_body, message_body
from clauselens.testing.fake_api._strict import (
    ApiProblem,
    check_batch_create,
    check_headers,
    check_messages_request,
)

_CUSTOM_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_COUNTS = ("processing", "succeeded", "errored", "canceled", "expired")


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def _view(state: FakeState, batch: dict[str, Any]) -> dict[str, Any]:
    ended = batch["status"] == "ended"
    counts = dict.fromkeys(_COUNTS, 0)
    if ended:
        for line in batch["results"]:
            counts[line["result"]["type"]] += 1
    else:
        counts["processing"] = len(batch["requests"])
    return {
        "id": batch["id"],
        "type": "message_batch",
        "processing_status": batch["status"],
        "request_counts": counts,
        "created_at": _iso(batch["created_at"]),
        "expires_at": _iso(batch["created_at"] + timedelta(hours=24)),
        "ended_at": _iso(batch.get("ended_at")),
        "archived_at": None,
        "cancel_initiated_at": _iso(batch.get("cancel_initiated_at")),
        "results_url": (
            f"{state.base_url}/v1/messages/batches/{batch['id']}/results" if ended else None
        ),
    }


def _result(state: FakeState, params: Any) -> dict[str, Any]:
    problem = check_messages_request(params)
    reply = state.next_reply() if problem is None else Reply()
    if problem is None and (reply.kind == "expired" or state.expire_batches):
        return {"type": "expired"}
    if problem is None and reply.kind in ("reset", "timeout", *HTTP_FAULTS):
        problem = ApiProblem(500, HTTP_FAULTS.get(reply.kind, (0, "api_error", ""))[1], "fault")
    elif problem is None and reply.kind == "error":
        problem = ApiProblem(reply.status, reply.error_type, reply.message)
    if problem is not None:
        error = error_body(problem.error_type, problem.message, state.next_id("req"))
        return {"type": "errored", "error": error}
    usage = state.cache.usage(params)
    message = message_body(
        params,
        reply,
        state.next_id("msg"),
        usage,
        strict_thinking=state.strict_thinking,
        service_tier="batch",
    )
    return {"type": "succeeded", "message": message}


def _end(state: FakeState, batch: dict[str, Any]) -> None:
    canceled = batch["status"] == "canceling"
    lines = [
        {
            "custom_id": item["custom_id"],
            "result": {"type": "canceled"} if canceled else _result(state, item["params"]),
        }
        for item in batch["requests"]
    ]
    state.rng.shuffle(lines)
    batch.update(status="ended", results=lines, ended_at=datetime.now(UTC))


def _not_found(batch_id: str, rid: str) -> Response:
    return problem_response(ApiProblem(404, "not_found_error", f"batch {batch_id} not found"), rid)


async def create(request: Request) -> Response:
    state: FakeState = request.app.state.fake
    body = await record(state, request)
    rid = state.next_id("req")
    raw = await request.body()
    problem = check_headers(request.headers) or check_batch_create(body, raw, state.max_batch_bytes)
    items = body.get("requests") if isinstance(body, dict) else None
    if problem is None:
        ids = [item.get("custom_id") if isinstance(item, dict) else None for item in items or []]
        bad = [i for i in ids if not isinstance(i, str) or not _CUSTOM_ID.match(i)]
        if bad or len(set(ids)) != len(ids):
            message = f"custom_id must be unique and match {_CUSTOM_ID.pattern}: {bad[:3]}"
            problem = ApiProblem(400, "invalid_request_error", message)
    if problem:
        return problem_response(problem, rid)
    batch_id = state.next_id("msgbatch")
    batch = {"id": batch_id, "requests": items, "status": "in_progress", "polls": 0}
    batch["created_at"] = datetime.now(UTC)
    state.batches[batch_id] = batch
    return JSONResponse(_view(state, batch), headers={"request-id": rid})


async def _batch_of(request: Request) -> tuple[FakeState, str, dict[str, Any]] | Response:
    """Record the request, check its credentials and find its batch (or the error reply)."""
    state: FakeState = request.app.state.fake
    await record(state, request)
    rid = state.next_id("req")
    problem = check_headers(request.headers)
    if problem:
        return problem_response(problem, rid)
    batch = state.batches.get(request.path_params["batch_id"])
    if batch is None:
        return _not_found(request.path_params["batch_id"], rid)
    return state, rid, batch


async def retrieve(request: Request) -> Response:
    found = await _batch_of(request)
    if isinstance(found, Response):
        return found
    state, rid, batch = found
    if batch["status"] != "ended":
        batch["polls"] += 1
        if batch["status"] == "canceling" or batch["polls"] > state.batch_polls:
            _end(state, batch)
    return JSONResponse(_view(state, batch), headers={"request-id": rid})


async def results(request: Request) -> Response:
    found = await _batch_of(request)
    if isinstance(found, Response):
        return found
    _, rid, batch = found
    if batch["status"] != "ended":
        message = "batch is still processing; results are available once it has ended"
        return problem_response(ApiProblem(400, "invalid_request_error", message), rid)
    text = "".join(json.dumps(line) + "\n" for line in batch["results"])
    return Response(text, media_type="application/x-jsonl", headers={"request-id": rid})


async def cancel(request: Request) -> Response:
    found = await _batch_of(request)
    if isinstance(found, Response):
        return found
    state, rid, batch = found
    if batch["status"] == "in_progress":
        batch.update(status="canceling", cancel_initiated_at=datetime.now(UTC))
    return JSONResponse(_view(state, batch), headers={"request-id": rid})


BATCH_ROUTES = [
    Route("/v1/messages/batches", create, methods=["POST"]),
    Route("/v1/messages/batches/{batch_id}", retrieve, methods=["GET"]),
    Route("/v1/messages/batches/{batch_id}/results", results, methods=["GET"]),
    Route("/v1/messages/batches/{batch_id}/cancel", cancel, methods=["POST"]),
]
