"""What the fake server refuses, as the real Messages API would (400/401/404 with its error types).

Each check returns an ``ApiProblem`` or None. ``check_messages_request`` runs them in the order
the real API reports them. The list is deliberately strict: a request the fake accepts is one the
API would take; where unsure, it refuses.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, get_args

from anthropic.types.model import Model

MAX_CACHE_BREAKPOINTS = 4
_STRING_BOUNDS = ("minLength", "maxLength")
_NUMERIC_BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")


@dataclass(frozen=True)
class ApiProblem:
    """An HTTP error the fake answers with: status, API error type, message."""

    status: int
    error_type: str
    message: str


def known_models() -> frozenset[str]:
    """Model ids listed in the installed SDK's ``anthropic/types/model.py``."""
    literal = get_args(Model)[0]
    return frozenset(get_args(literal))


def is_five_five(model: str) -> bool:
    """The 5.5 generation: no sampling parameters, no forced tool choice, no prefill."""
    return bool(re.search(r"-5-5(-\d{8})?$", model))


def _bad(message: str) -> ApiProblem:
    return ApiProblem(400, "invalid_request_error", message)


def check_auth(headers: Mapping[str, str]) -> ApiProblem | None:
    auth = headers.get("authorization", "")
    if headers.get("x-api-key") or (auth.lower().startswith("bearer ") and auth[7:].strip()):
        return None
    return ApiProblem(401, "authentication_error", "invalid x-api-key")


def _schema_nodes(node: Any, path: str = "schema") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _schema_nodes(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _schema_nodes(value, f"{path}[{i}]")


def check_output_schema(schema: Any) -> ApiProblem | None:
    """The structured-outputs subset: closed objects, no length or numeric bounds, minItems 0/1."""
    if not isinstance(schema, dict):
        return _bad("output_config.format.schema: Input should be an object")
    for path, node in _schema_nodes(schema):
        if path.endswith(".properties") or path.endswith(".$defs"):
            continue
        kind = node.get("type")
        if (kind == "object" or "properties" in node) and node.get("additionalProperties") is not (
            False
        ):
            return _bad(
                f"output_config.format.schema: {path}: For 'object' type, "
                "'additionalProperties' must be explicitly set to false"
            )
        for key in (*_STRING_BOUNDS, *_NUMERIC_BOUNDS):
            if key in node:
                return _bad(f"output_config.format.schema: {path}: property '{key}' not supported")
        if node.get("minItems", 0) not in (0, 1):
            return _bad(
                f"output_config.format.schema: {path}: 'minItems' values other than 0 or 1 "
                "are not supported"
            )
    return None


def _blocks(request: Mapping[str, Any]) -> Iterator[Any]:
    system = request.get("system")
    if isinstance(system, list):
        yield from system
    yield from request.get("tools") or []
    for message in request.get("messages") or []:
        if isinstance(message, dict) and isinstance(message.get("content"), list):
            yield from message["content"]


def count_breakpoints(request: Mapping[str, Any]) -> int:
    return sum(1 for b in _blocks(request) if isinstance(b, dict) and b.get("cache_control"))


def _check_messages(messages: Any) -> ApiProblem | None:
    if not isinstance(messages, list) or not messages:
        return _bad("messages: at least one message is required")
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            return _bad(f"messages.{i}.role: Input should be 'user' or 'assistant'")
    if messages[0]["role"] != "user":
        return _bad('messages: first message must use the "user" role')
    if messages[-1]["role"] == "assistant":
        return _bad(
            "This model does not support assistant message prefill. "
            "The conversation must end with a user message."
        )
    return None


def _check_five_five(request: Mapping[str, Any], model: str) -> ApiProblem | None:
    for name in ("temperature", "top_p"):
        if request.get(name) not in (None, 1, 1.0):
            return _bad(f"{name}: {model} does not support non-default values for `{name}`")
    if request.get("top_k") is not None:
        return _bad(f"top_k: {model} does not support `top_k`")
    choice = request.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") in ("any", "tool"):
        return _bad(
            f"tool_choice: {model} does not support forced tool use; "
            "use tool_choice 'auto' or 'none'"
        )
    return None


def check_messages_request(request: Any, *, count_tokens: bool = False) -> ApiProblem | None:
    """Everything the API checks on a Messages (or count_tokens) request body."""
    if not isinstance(request, dict):
        return _bad("request body must be a JSON object")
    model = request.get("model")
    if not isinstance(model, str) or not model:
        return _bad("model: Field required")
    if not count_tokens:
        max_tokens = request.get("max_tokens")
        if max_tokens is None:
            return _bad("max_tokens: Field required")
        if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
            return _bad("max_tokens: Input should be a positive integer")
    problem = _check_messages(request.get("messages"))
    if problem:
        return problem
    if is_five_five(model):
        problem = _check_five_five(request, model)
        if problem:
            return problem
    fmt = (request.get("output_config") or {}).get("format")
    if fmt is not None:
        if not isinstance(fmt, dict) or fmt.get("type") != "json_schema":
            return _bad("output_config.format.type: Input should be 'json_schema'")
        problem = check_output_schema(fmt.get("schema"))
        if problem:
            return problem
    if count_breakpoints(request) > MAX_CACHE_BREAKPOINTS:
        return _bad(
            f"A maximum of {MAX_CACHE_BREAKPOINTS} blocks with cache_control may be provided. "
            f"Found {count_breakpoints(request)}."
        )
    if model not in known_models():
        return ApiProblem(404, "not_found_error", f"model: {model}")
    return None
