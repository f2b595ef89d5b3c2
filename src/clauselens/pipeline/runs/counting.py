"""Counting a request's prompt tokens with the Messages API's token-counting endpoint.

``POST /v1/messages/count_tokens`` (``client.messages.count_tokens``) "accepts the same structured
list of inputs for creating a message" and returns ``input_tokens``; it is free, and the count
is "an estimate" that may differ from the billed figure "by a small amount"
(https://platform.claude.com/docs/en/build-with-claude/token-counting). It needs a valid key and
a model the key may use: a 401 or a 404 there means the same on ``POST /v1/messages``
(https://platform.claude.com/docs/en/api/errors), so one free call checks key, model and prompt
size together. The Models API (``GET /v1/models/{model_id}``,
https://platform.claude.com/docs/en/api/models/retrieve) is not used: servers that speak the
Messages API behind ``ANTHROPIC_BASE_URL`` (clauselens' fake, LiteLLM, vLLM) need not serve it.

Errors become ``ApiError`` with a one-line message naming the model or the URL; the key itself
is never part of a message.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import anthropic

from clauselens.analyzers._request import client_timeout
from clauselens.analyzers.base import ClauseInput
from clauselens.analyzers.claude import ClaudeAnalyzer
from clauselens.config import Settings
from clauselens.errors import ApiError

# The fields of a ``messages.create`` request that ``count_tokens`` also takes (SDK 2.x
# ``Messages.count_tokens``); ``max_tokens`` and the sampling fields are not among them.
COUNTED_FIELDS = (
    "model",
    "system",
    "messages",
    "output_config",
    "thinking",
    "tools",
    "tool_choice",
)


def analyzer_request(settings: Settings, clause: ClauseInput) -> dict[str, Any]:
    """The params the ``claude`` analyzer sends for ``clause`` under ``settings`` (the call the
    Message Batches mode makes), so a count follows every setting the analyzer reads."""
    return ClaudeAnalyzer.request_for(settings, clause)


def token_client(settings: Settings) -> anthropic.Anthropic:
    """A synchronous client on ``settings.base_url`` (else the SDK's default) for counting.

    The SDK's own retry policy applies (2 retries on connection errors, 408, 409, 429, 5xx), with
    ``Settings.connect_timeout`` (the SDK's 5 s), so an unreachable URL fails in seconds.
    """
    return anthropic.Anthropic(
        base_url=settings.base_url,
        timeout=client_timeout(settings),
    )


def api_url(client: anthropic.Anthropic) -> str:
    return str(client.base_url).rstrip("/")


def _redacted(text: str) -> str:
    """``text`` on one line, without the API key should a server have echoed it."""
    key = (os.environ.get("ANTHROPIC_API_KEY") or "").strip()
    text = " ".join(text.split())
    return text.replace(key, "<redacted>") if key else text


def refused(exc: anthropic.APIError, *, model: str, url: str) -> ApiError:
    """A one-line ``ApiError`` for a failed call, naming the model or the URL (never the key)."""
    error = _refused(exc, model=model, url=url)
    return ApiError(
        _redacted(str(error)), status_code=error.status_code, request_id=error.request_id
    )


def _refused(exc: anthropic.APIError, *, model: str, url: str) -> ApiError:
    if isinstance(exc, anthropic.APIConnectionError):
        kind = "timed out" if isinstance(exc, anthropic.APITimeoutError) else "failed"
        cause = exc.__cause__ or exc.__context__
        detail = f": {type(cause).__name__}" if cause is not None else ""
        message = (
            f"cannot reach the Messages API at {url} (connection {kind}{detail}); "
            "check ANTHROPIC_BASE_URL and the network"
        )
        return ApiError(message, status_code=None, request_id=None)
    if not isinstance(exc, anthropic.APIStatusError):
        return ApiError(f"{url}: {exc}", status_code=None, request_id=None)
    what = {
        401: f"the API key was refused by {url}: check ANTHROPIC_API_KEY",
        403: f"the API key may not use model {model!r} at {url}",
        404: f"model {model!r} was not found at {url}: check the model name and ANTHROPIC_BASE_URL",
    }.get(exc.status_code, f"{url} refused a request for model {model!r}")
    message = (
        f"{what} (HTTP {exc.status_code} {exc.type or 'error'}: {exc.api_message or exc.message}; "
        f"request id {exc.request_id or 'unknown'})"
    )
    return ApiError(message, status_code=exc.status_code, request_id=exc.request_id)


def count_request_tokens(client: anthropic.Anthropic, params: Mapping[str, Any]) -> int:
    """The prompt tokens of the ``messages.create`` request ``params``, counted by the API.

    Raises ``ApiError`` (see ``refused``) when the call fails.
    """
    fields = {k: params[k] for k in COUNTED_FIELDS if k in params}
    model = str(params.get("model"))
    try:
        return client.messages.count_tokens(**fields).input_tokens
    except anthropic.APIError as exc:
        raise refused(exc, model=model, url=api_url(client)) from exc
