"""Replies the fake server can give: the ``Reply`` record, fault kinds and message bodies.

A reply kind is either an answer (a ``message`` with some text and stop reason) or a fault
(an HTTP error, a reset connection, a timeout). ``ANSWERS`` and ``HTTP_FAULTS`` are the dispatch
tables; ``RANDOM_FAULTS`` are the kinds drawn at random at the server's fault rate.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from clauselens.testing.fake_api._synthetic import SYNTHETIC, answer_for, estimate_tokens


@dataclass(frozen=True)
class Reply:
    """One scripted reply.

    ``kind``: ``ok`` (synthetic answer), ``thinking`` (a thinking block, then the synthetic
    answer), ``text`` (``text`` as the answer), ``non_json``, ``schema_invalid``, ``bad_quote``,
    ``refusal``, ``max_tokens``, ``rate_limit`` (429 with ``retry-after: retry_after``, default
    1 s), ``server_error`` (500),
    ``overloaded`` (529), ``error`` (``status`` / ``error_type`` / ``message``), ``reset``
    (connection dropped mid-response) or ``timeout`` (no answer for ``delay`` seconds).
    ``retry_after`` / ``retry_after_ms`` set those headers on any HTTP fault. ``delay`` adds
    latency before any reply.
    """

    kind: str = "ok"
    text: str | None = None
    retry_after: float | None = None
    retry_after_ms: int | None = None
    status: int = 400
    error_type: str = "invalid_request_error"
    message: str = "scripted error"
    delay: float = 0.0


HTTP_FAULTS: dict[str, tuple[int, str, str]] = {
    "rate_limit": (429, "rate_limit_error", "This request would exceed your rate limit."),
    "server_error": (500, "api_error", "Internal server error"),
    "overloaded": (529, "overloaded_error", "Overloaded"),
}
RANDOM_FAULTS = (
    "rate_limit",
    "server_error",
    "overloaded",
    "reset",
    "non_json",
    "schema_invalid",
    "bad_quote",
    "refusal",
    "max_tokens",
)
TIMEOUT_DEFAULT_DELAY = 30.0


def _json(request: Mapping[str, Any]) -> str:
    return json.dumps(answer_for(request), ensure_ascii=False)


def _ok(request: Mapping[str, Any], reply: Reply) -> tuple[str, str]:
    return _json(request), "end_turn"


def _text(request: Mapping[str, Any], reply: Reply) -> tuple[str, str]:
    return reply.text or "", "end_turn"


def _non_json(request: Mapping[str, Any], reply: Reply) -> tuple[str, str]:
    return f"Here is my analysis of the clause. ({SYNTHETIC})", "end_turn"


def _schema_invalid(request: Mapping[str, Any], reply: Reply) -> tuple[str, str]:
    answer = answer_for(request)
    answer.pop("summary", None)
    answer["severity"] = "catastrophic"
    return json.dumps(answer), "end_turn"


def _bad_quote(request: Mapping[str, Any], reply: Reply) -> tuple[str, str]:
    answer = answer_for(request)
    answer["evidence_quotes"] = ["This sentence does not occur in the clause (fake API)."]
    answer["evidence_type"] = "explicit_language"
    return json.dumps(answer), "end_turn"


def _refusal(request: Mapping[str, Any], reply: Reply) -> tuple[str, str]:
    return "", "refusal"


def _max_tokens(request: Mapping[str, Any], reply: Reply) -> tuple[str, str]:
    text = _json(request)
    return text[: max(1, len(text) // 3)], "max_tokens"


ANSWERS: dict[str, Callable[[Mapping[str, Any], Reply], tuple[str, str]]] = {
    "ok": _ok,
    "thinking": _ok,
    "text": _text,
    "non_json": _non_json,
    "schema_invalid": _schema_invalid,
    "bad_quote": _bad_quote,
    "refusal": _refusal,
    "max_tokens": _max_tokens,
}
KINDS = frozenset({*ANSWERS, *HTTP_FAULTS, "error", "reset", "timeout"})


def error_body(error_type: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"type": error_type, "message": message}}


def message_body(
    request: Mapping[str, Any], reply: Reply, message_id: str, usage: dict[str, int]
) -> dict[str, Any]:
    """The ``message`` object for an answer kind; ``usage`` carries the input-side counts."""
    text, stop_reason = ANSWERS[reply.kind](request, reply)
    content: list[dict[str, Any]] = []
    if reply.kind == "thinking":
        content.append({"type": "thinking", "thinking": SYNTHETIC, "signature": "fake-signature"})
    if text or stop_reason != "refusal":
        content.append({"type": "text", "text": text})
    return {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": request.get("model"),
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": {**usage, "output_tokens": estimate_tokens(text) or 1},
    }
