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
from clauselens.testing.fake_api._thinking import SIGNATURE, thinking_block, thinking_for


@dataclass(frozen=True)
class Reply:
    """One scripted reply.

    ``kind``: ``ok`` (synthetic answer), ``thinking`` (a thinking block, then the synthetic
    answer), ``text`` (``text`` as the answer), ``non_json``, ``schema_invalid``, ``bad_quote``,
    ``refusal``, ``max_tokens``, ``rate_limit`` (429 with ``retry-after: retry_after``, default
    1 s), ``server_error`` (500),
    ``overloaded`` (529), ``error`` (``status`` / ``error_type`` / ``message``), ``reset``
    (connection dropped mid-response) or ``timeout`` (no answer for ``delay`` seconds).
    ``retry_after`` / ``retry_after_ms`` set those headers on any HTTP fault, ``should_retry``
    the ``x-should-retry`` header (``true``/``false``; the SDK obeys it before the status) on any
    HTTP fault or ``error``. ``delay`` adds
    latency before any reply. ``expired`` (Message Batches only): the request's result is
    ``expired``. ``refusal_category`` / ``refusal_explanation``: the refusal's ``stop_details``.
    ``stop_reason``: end an answer kind with this stop reason instead of its own (e.g.
    ``model_context_window_exceeded``, ``pause_turn``: the values of
    https://platform.claude.com/docs/en/build-with-claude/handling-stop-reasons).
    """

    kind: str = "ok"
    text: str | None = None
    retry_after: float | None = None
    retry_after_ms: int | None = None
    status: int = 400
    error_type: str = "invalid_request_error"
    message: str = "scripted error"
    delay: float = 0.0
    refusal_category: str | None = "general_harms"
    refusal_explanation: str | None = "SYNTHETIC refusal scripted in clauselens' fake API server."
    stop_reason: str | None = None
    should_retry: str | None = None  # the x-should-retry header on an HTTP fault or error


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
KINDS = frozenset({*ANSWERS, *HTTP_FAULTS, "error", "reset", "timeout", "expired"})


def error_body(error_type: str, message: str, request_id: str | None = None) -> dict[str, Any]:
    """The API's error shape (https://platform.claude.com/docs/en/api/errors, "Error shapes"):
    a top-level ``error`` with ``type`` and ``message``, and the ``request_id``."""
    body: dict[str, Any] = {"type": "error", "error": {"type": error_type, "message": message}}
    if request_id is not None:
        body["request_id"] = request_id
    return body


def _stop_details(reply: Reply, stop_reason: str) -> dict[str, Any] | None:
    """``stop_details`` on a refusal (https://platform.claude.com/docs/en/test-and-evaluate/
    strengthen-guardrails/handle-streaming-refusals: ``{"type": "refusal", "category": ...,
    "explanation": ...}``); null for every other stop reason."""
    if stop_reason != "refusal":
        return None
    return {
        "type": "refusal",
        "category": reply.refusal_category,
        "explanation": reply.refusal_explanation,
    }


def message_body(
    request: Mapping[str, Any],
    reply: Reply,
    message_id: str,
    usage: dict[str, Any],
    *,
    strict_thinking: bool = True,
    service_tier: str = "standard",
) -> dict[str, Any]:
    """The ``message`` object for an answer kind; ``usage`` carries the input-side counts.

    ``strict_thinking``: the model thinks as the documentation says (``_thinking``): a thinking
    block first, its tokens in ``output_tokens`` and against ``max_tokens``; text past
    ``max_tokens`` is cut and the stop reason becomes ``max_tokens``. On by default, as on the
    API. Off: no thinking unless scripted (``thinking``), and ``max_tokens`` is not applied to
    the synthetic text.
    ``service_tier``: ``standard`` for /v1/messages, ``batch`` in batch results
    (https://platform.claude.com/docs/en/api/service-tiers; ``usage.service_tier`` in the SDK).
    """
    text, stop_reason = ANSWERS[reply.kind](request, reply)
    stop_reason = reply.stop_reason or stop_reason
    content: list[dict[str, Any]] = []
    thinking_tokens = 0
    if strict_thinking:
        thinking = thinking_for(request)
        if thinking is not None:
            max_tokens = int(request.get("max_tokens") or 0)
            thinking_tokens = min(thinking.tokens, max_tokens) if max_tokens else thinking.tokens
            content.append(thinking_block(thinking))
            room = max(0, max_tokens - thinking_tokens) if max_tokens else None
            if room is not None and estimate_tokens(text) > room:
                text, stop_reason = text[: room * 4], "max_tokens"
    elif reply.kind == "thinking":
        content.append({"type": "thinking", "thinking": SYNTHETIC, "signature": SIGNATURE})
    if text or stop_reason not in ("refusal", "max_tokens"):
        content.append({"type": "text", "text": text})
    output_tokens = max(1, thinking_tokens + estimate_tokens(text))
    extra: dict[str, Any] = {"service_tier": service_tier}
    if strict_thinking:
        # SDK ``usage.output_tokens_details.thinking_tokens`` (types/output_tokens_details.py):
        # "Always <= output_tokens"; the docs pages stored here do not describe the field.
        extra["output_tokens_details"] = {"thinking_tokens": thinking_tokens}
    return {
        "id": message_id,
        "type": "message",
        "role": "assistant",
        "model": request.get("model"),
        "content": content,
        "stop_reason": stop_reason,
        "stop_details": _stop_details(reply, stop_reason),
        "stop_sequence": None,
        "usage": {**usage, "output_tokens": output_tokens, **extra},
    }
