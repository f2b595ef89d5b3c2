"""What the fake server refuses, as the real Messages API would (400/401/404/413, its error types).

Each check returns an ``ApiProblem`` or None. ``check_messages_request`` runs them in the order
the real API reports them. Model facts (limits, refused fields, effort levels) come from
``data/models.json`` through ``clauselens.models``; nothing here hard-codes a model fact. Where a
fact is unknown (``None`` in the file), the fake refuses: a request it accepts should be one the
API takes.

Every rule names the documentation page it comes from. Pages (checked 2026-12-01 with the
project's ``search`` tool):

- ERRORS: https://platform.claude.com/docs/en/api/errors (error types, error shape with
  ``request_id``, request size limits: Messages 32 MB, Batch API 256 MB, 413 request_too_large)
- VERSIONING: https://platform.claude.com/docs/en/api/versioning ("you must send an
  anthropic-version request header")
- STRUCTURED: https://platform.claude.com/docs/en/build-with-claude/structured-outputs
  (JSON Schema limitations)
- EFFORT: https://platform.claude.com/docs/en/build-with-claude/effort
- ADAPTIVE: https://platform.claude.com/docs/en/build-with-claude/adaptive-thinking
- EXTENDED: https://platform.claude.com/docs/en/build-with-claude/extended-thinking
- CACHING: https://platform.claude.com/docs/en/build-with-claude/prompt-caching
- BATCHES: https://platform.claude.com/docs/en/build-with-claude/batch-processing
- the per-model pages listed in each ``data/models.json`` entry's ``source`` (refused fields,
  maximum output).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, get_args

from anthropic.types.model import Model

from clauselens.models import ModelFacts, load_models

ERRORS = "https://platform.claude.com/docs/en/api/errors"
VERSIONING = "https://platform.claude.com/docs/en/api/versioning"
STRUCTURED = "https://platform.claude.com/docs/en/build-with-claude/structured-outputs"
EFFORT = "https://platform.claude.com/docs/en/build-with-claude/effort"
ADAPTIVE = "https://platform.claude.com/docs/en/build-with-claude/adaptive-thinking"
EXTENDED = "https://platform.claude.com/docs/en/build-with-claude/extended-thinking"
CACHING = "https://platform.claude.com/docs/en/build-with-claude/prompt-caching"
BATCHES = "https://platform.claude.com/docs/en/build-with-claude/batch-processing"

# CACHING: "at most 4" cache breakpoints per request.
MAX_CACHE_BREAKPOINTS = 4
# ERRORS, "Request size limits": Messages API and Token Counting API 32 MB, Batch API 256 MB;
# over it, 413 request_too_large. The page says "MB"; the fake reads it as MiB (the larger).
MAX_MESSAGES_BYTES = 32 * 1024 * 1024
MAX_BATCH_BYTES = 256 * 1024 * 1024
# BATCHES, "Batch limitations": "A Message Batch is limited to either 100,000 Message requests or
# 256 MB in size, whichever is reached first."
MAX_BATCH_REQUESTS = 100_000

# STRUCTURED, "JSON Schema limitations": the supported subset. Kept keywords are those the page
# lists as supported (basic types, enum of primitives, const, anyOf, allOf, local $ref/$defs/
# definitions, required, additionalProperties false, the string formats below, minItems 0 or 1,
# pattern) plus the annotations title/description/default. The SDK's ``transform_schema`` keeps
# the same set except ``pattern``/``default`` (it moves them into the description); the docs are
# followed. Everything else (minLength, maxLength, minimum, maximum, multipleOf, maxItems,
# uniqueItems, oneOf, not, if/then/else, patternProperties, ...) is refused.
SCHEMA_KEYWORDS = frozenset(
    {
        "type",
        "description",
        "title",
        "default",
        "enum",
        "const",
        "anyOf",
        "allOf",
        "$ref",
        "$defs",
        "definitions",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "minItems",
        "format",
        "pattern",
    }
)
STRING_FORMATS = frozenset(
    {"date-time", "time", "date", "duration", "email", "hostname", "uri", "ipv4", "ipv6", "uuid"}
)
SCHEMA_TYPES = frozenset({"object", "array", "string", "integer", "number", "boolean", "null"})
# STRUCTURED, schema complexity limits: at most 24 optional parameters and at most 16 parameters
# using union types (anyOf or type arrays) across the request's strict schemas. The stored copies
# of the official page did not render this section; the numbers are the page's as quoted by a
# converter's documentation that cites it (hex.pm lang_schema, "LangSchema.Converter.Anthropic").
MAX_OPTIONAL_PARAMETERS = 24
MAX_UNION_PARAMETERS = 16

EFFORTS = ("low", "medium", "high", "xhigh", "max")
THINKING_TYPES = ("adaptive", "enabled", "disabled", "between_tools")
# EXTENDED: "budget_tokens" has a floor of 1,024 and must be less than max_tokens.
MIN_BUDGET_TOKENS = 1024


@dataclass(frozen=True)
class ApiProblem:
    """An HTTP error the fake answers with: status, API error type, message."""

    status: int
    error_type: str
    message: str


def _bad(message: str) -> ApiProblem:
    return ApiProblem(400, "invalid_request_error", message)


def sdk_models() -> frozenset[str]:
    """Model ids listed in the installed SDK's ``anthropic/types/model.py``."""
    literal = get_args(Model)[0]
    return frozenset(get_args(literal))


def facts_for(model: str) -> ModelFacts | None:
    """The model's facts from ``data/models.json`` (id, alias or snapshot), or None."""
    return load_models().find(model)


def is_known_model(model: str) -> bool:
    """Known to ``data/models.json`` or listed by the SDK; anything else is a 404."""
    return facts_for(model) is not None or model in sdk_models()


def check_auth(headers: Mapping[str, str]) -> ApiProblem | None:
    """ERRORS: 401 authentication_error when there is no usable key."""
    auth = headers.get("authorization", "")
    if headers.get("x-api-key") or (auth.lower().startswith("bearer ") and auth[7:].strip()):
        return None
    return ApiProblem(401, "authentication_error", "invalid x-api-key")


def check_version(headers: Mapping[str, str]) -> ApiProblem | None:
    """VERSIONING: every request must carry an ``anthropic-version`` header (the SDK sends it)."""
    if headers.get("anthropic-version", "").strip():
        return None
    return _bad("anthropic-version: header is required")


def check_headers(headers: Mapping[str, str]) -> ApiProblem | None:
    """Credentials first (401), then the version header (400)."""
    return check_auth(headers) or check_version(headers)


def check_size(raw: bytes, limit: int) -> ApiProblem | None:
    """ERRORS, "Request size limits": over the endpoint's maximum, 413 request_too_large."""
    if len(raw) <= limit:
        return None
    return ApiProblem(
        413, "request_too_large", f"Request exceeds the maximum allowed number of bytes ({limit})"
    )


# --- output schema (STRUCTURED) ---


class _SchemaWalk:
    """Walks a JSON Schema node by node, following local $refs once, counting for the limits."""

    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self.optional = 0
        self.unions = 0

    def _resolve(self, ref: str, path: str) -> tuple[str, Any] | ApiProblem:
        for prefix in ("#/$defs/", "#/definitions/"):
            if ref.startswith(prefix):
                table = self.root.get(prefix[2:-1])
                name = ref[len(prefix) :]
                if isinstance(table, dict) and name in table:
                    return ref, table[name]
                return _bad(f"output_config.format.schema: {path}: unresolvable $ref {ref!r}")
        # STRUCTURED: external (non-local) $ref is not supported.
        return _bad(f"output_config.format.schema: {path}: external $ref {ref!r} is not supported")

    def walk(self, node: Any, path: str, refs: tuple[str, ...] = ()) -> ApiProblem | None:
        if not isinstance(node, dict):
            return _bad(f"output_config.format.schema: {path}: a schema must be an object")
        for key in node:
            if key not in SCHEMA_KEYWORDS:
                return _bad(f"output_config.format.schema: {path}: property '{key}' not supported")
        if "$ref" in node:
            ref = node["$ref"]
            if ref in refs:
                # STRUCTURED: recursive schemas are not supported.
                return _bad(
                    f"output_config.format.schema: {path}: recursive schemas are not supported"
                )
            found = self._resolve(str(ref), path)
            if isinstance(found, ApiProblem):
                return found
            problem = self.walk(found[1], f"{path}.$ref", (*refs, found[0]))
            if problem:
                return problem
        kind = node.get("type")
        kinds = kind if isinstance(kind, list) else [kind] if kind is not None else []
        for k in kinds:
            if k not in SCHEMA_TYPES:
                return _bad(f"output_config.format.schema: {path}: unsupported type {k!r}")
        enum = node.get("enum")
        if enum is not None and (
            not isinstance(enum, list) or not enum or any(isinstance(v, dict | list) for v in enum)
        ):
            # STRUCTURED: enum of primitives only.
            return _bad(f"output_config.format.schema: {path}: enum must list primitive values")
        fmt = node.get("format")
        if fmt is not None and fmt not in STRING_FORMATS:
            return _bad(f"output_config.format.schema: {path}: format {fmt!r} is not supported")
        if node.get("minItems", 0) not in (0, 1):
            return _bad(
                f"output_config.format.schema: {path}: 'minItems' values other than 0 or 1 "
                "are not supported"
            )
        is_object = "object" in kinds or "properties" in node
        if is_object and node.get("additionalProperties") is not False:
            return _bad(
                f"output_config.format.schema: {path}: For 'object' type, "
                "'additionalProperties' must be explicitly set to false"
            )
        properties = node.get("properties") or {}
        required = set(node.get("required") or [])
        for name, sub in properties.items():
            self.optional += name not in required
            if isinstance(sub, dict) and ("anyOf" in sub or isinstance(sub.get("type"), list)):
                self.unions += 1
            problem = self.walk(sub, f"{path}.properties.{name}", refs)
            if problem:
                return problem
        if "items" in node:
            problem = self.walk(node["items"], f"{path}.items", refs)
            if problem:
                return problem
        for key in ("anyOf", "allOf"):
            for i, sub in enumerate(node.get(key) or []):
                problem = self.walk(sub, f"{path}.{key}[{i}]", refs)
                if problem:
                    return problem
        return None


def check_output_schema(schema: Any) -> ApiProblem | None:
    """STRUCTURED: the supported subset and the complexity limits.

    A client sends the same schema with every request: the verdict is kept per schema (its
    JSON, keys in the order sent, so that the same problem is named first)."""
    if not isinstance(schema, dict):
        return _bad("output_config.format.schema: Input should be an object")
    try:
        text = json.dumps(schema)
    except (TypeError, ValueError):  # not JSON (a schema given in Python): check it as it is
        return _check_output_schema(schema)
    return _checked_schema(text)


@lru_cache(maxsize=64)
def _checked_schema(text: str) -> ApiProblem | None:
    return _check_output_schema(json.loads(text))


def _check_output_schema(schema: dict[str, Any]) -> ApiProblem | None:
    walk = _SchemaWalk(schema)
    problem = walk.walk(schema, "schema")
    # Definitions are counted where they are used (each $ref expands them); an unused one is
    # still checked against the subset, without counting toward the limits.
    counted = (walk.optional, walk.unions)
    for key in ("$defs", "definitions"):
        for name, sub in (schema.get(key) or {}).items():
            problem = problem or walk.walk(sub, f"schema.{key}.{name}", (f"#/{key}/{name}",))
    walk.optional, walk.unions = counted
    if problem:
        return problem
    if walk.optional > MAX_OPTIONAL_PARAMETERS:
        return _bad(
            f"output_config.format.schema: {walk.optional} optional parameters; at most "
            f"{MAX_OPTIONAL_PARAMETERS} are supported. Schema is too complex."
        )
    if walk.unions > MAX_UNION_PARAMETERS:
        return _bad(
            f"output_config.format.schema: {walk.unions} parameters use union types; at most "
            f"{MAX_UNION_PARAMETERS} are supported. Schema is too complex."
        )
    return None


# --- messages and fields ---


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


def _is_empty(content: Any) -> bool:
    return content in ("", None) or (isinstance(content, list) and not content)


def _check_messages(messages: Any) -> ApiProblem | None:
    if not isinstance(messages, list) or not messages:
        return _bad("messages: at least one message is required")
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            return _bad(f"messages.{i}.role: Input should be 'user' or 'assistant'")
    if messages[0]["role"] != "user":
        return _bad('messages: first message must use the "user" role')
    last = len(messages) - 1
    for i, message in enumerate(messages):
        content = message.get("content")
        # The API's own wording (seen in anthropics/claude-code issues #3196, #6774): empty
        # content is a 400 on every message but an optional final assistant one.
        if _is_empty(content) and not (i == last and message["role"] == "assistant"):
            return _bad(
                f"messages.{i}: all messages must have non-empty content except for the "
                "optional final assistant message"
            )
        for block in content if isinstance(content, list) else []:
            if isinstance(block, dict) and block.get("type") == "text" and not block.get("text"):
                return _bad("messages: text content blocks must be non-empty")
    return None


def _refused(flag: bool | None) -> bool:
    """A refusal the facts state, or an unknown one (the fake refuses what it cannot vouch for)."""
    return flag is not False


def _effort(request: Mapping[str, Any]) -> Any:
    return (request.get("output_config") or {}).get("effort")


def _check_model_fields(request: Mapping[str, Any], facts: ModelFacts) -> ApiProblem | None:
    """Fields the model refuses, from its facts (per-model pages in data/models.json)."""
    model = facts.id
    refuses = facts.refuses
    last = (request.get("messages") or [{}])[-1]
    # Migration guides (Sonnet 5.5, Haiku 5.5): a conversation ending with an assistant turn
    # (prefill) is a 400.
    if last.get("role") == "assistant" and _refused(refuses.assistant_prefill):
        return _bad(
            "This model does not support assistant message prefill. "
            "The conversation must end with a user message."
        )
    # Migration guides: non-default temperature / top_p and any top_k are a 400.
    if _refused(refuses.sampling_params):
        for name in ("temperature", "top_p"):
            if request.get(name) not in (None, 1, 1.0):
                return _bad(f"{name}: {model} does not support non-default values for `{name}`")
        if request.get("top_k") is not None:
            return _bad(f"top_k: {model} does not support `top_k`")
    # What's new in Opus 5.5 / Sonnet 5.5 migration guide: forced tool use is an error.
    choice = request.get("tool_choice")
    forced = isinstance(choice, dict) and choice.get("type") in ("any", "tool")
    if forced and _refused(refuses.forced_tool_choice):
        return _bad(
            f"tool_choice: {model} does not support forced tool use; "
            "use tool_choice 'auto' or 'none'"
        )
    effort = _effort(request)
    if effort is not None:
        if effort not in EFFORTS:
            return _bad(f"output_config.effort: Input should be one of {', '.join(EFFORTS)}")
        # EFFORT: a level the model does not offer (e.g. max on other models) returns an error;
        # models overview: Haiku 4.5's effort is "Not supported" (efforts is empty).
        if facts.efforts is not None and effort not in facts.efforts:
            return _bad(f"output_config.effort: {model} does not support effort {effort!r}")
    return _check_thinking(request, facts)


def _check_thinking(request: Mapping[str, Any], facts: ModelFacts) -> ApiProblem | None:
    thinking = request.get("thinking")
    if thinking is None:
        return None
    kind = thinking.get("type") if isinstance(thinking, dict) else None
    if kind not in THINKING_TYPES:
        return _bad(f"thinking.type: Input should be one of {', '.join(THINKING_TYPES)}")
    model = facts.id
    display = thinking.get("display")
    if display not in (None, "summarized", "omitted"):
        return _bad("thinking.display: Input should be 'summarized' or 'omitted'")
    refuses = facts.refuses
    if kind == "disabled":
        # Sonnet 5.5 migration guide / What's new in Opus 5.5: {"type": "disabled"} is a 400.
        rule = refuses.thinking_disabled
        if rule in (None, "always") or (
            rule == "effort_above_high" and _effort(request) in ("xhigh", "max")
        ):
            return _bad(
                f"thinking.type: 'disabled' is not supported on {model}; "
                "use thinking.type 'adaptive' with output_config.effort"
            )
    if kind == "enabled":
        # EXTENDED: "Claude 4.7 and later models do not support it and reject requests that use
        # it, returning a 400 error"; per model in data/models.json (thinking_budget).
        if _refused(refuses.thinking_budget):
            return _bad(
                f"thinking.type: 'enabled' with budget_tokens is not supported on {model}; "
                "use thinking.type 'adaptive' with output_config.effort"
            )
        budget = thinking.get("budget_tokens")
        if not isinstance(budget, int) or budget < MIN_BUDGET_TOKENS:
            return _bad(f"thinking.budget_tokens: Input should be >= {MIN_BUDGET_TOKENS}")
        max_tokens = request.get("max_tokens")
        if isinstance(max_tokens, int) and budget >= max_tokens:
            return _bad("max_tokens must be greater than thinking.budget_tokens")
    if kind == "adaptive" and facts.thinking == "extended":
        # ADAPTIVE: older models do not support adaptive thinking (thinking "extended" in the
        # facts: Haiku 4.5, per the models overview).
        return _bad(f"thinking.type: 'adaptive' is not supported on {model}")
    return None


def _check_max_tokens(request: Mapping[str, Any], facts: ModelFacts | None) -> ApiProblem | None:
    max_tokens = request.get("max_tokens")
    if max_tokens is None:
        return _bad("max_tokens: Field required")
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
        return _bad("max_tokens: Input should be a positive integer")
    # Model pages ("Max output"), max_output_tokens in data/models.json: above it, a 400.
    if facts is not None and max_tokens > facts.max_output_tokens:
        return _bad(
            f"max_tokens: {max_tokens} > {facts.max_output_tokens}, which is the maximum "
            f"allowed number of output tokens for {facts.id}"
        )
    return None


def check_messages_request(request: Any, *, count_tokens: bool = False) -> ApiProblem | None:
    """Everything the API checks on a Messages (or count_tokens) request body."""
    if not isinstance(request, dict):
        return _bad("request body must be a JSON object")
    model = request.get("model")
    if not isinstance(model, str) or not model:
        return _bad("model: Field required")
    facts = facts_for(model)
    if not count_tokens:
        problem = _check_max_tokens(request, facts)
        if problem:
            return problem
    problem = _check_messages(request.get("messages"))
    if problem:
        return problem
    if facts is not None:
        problem = _check_model_fields(request, facts)
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
    # ERRORS: 404 not_found_error, "the requested resource was not found".
    if not is_known_model(model):
        return ApiProblem(404, "not_found_error", f"model: {model}")
    return None


def check_batch_create(body: Any, raw: bytes, max_bytes: int) -> ApiProblem | None:
    """BATCHES: at most 100,000 requests (400) and 256 MB (ERRORS: 413 request_too_large)."""
    problem = check_size(raw, max_bytes)
    if problem:
        return problem
    items = body.get("requests") if isinstance(body, dict) else None
    if not isinstance(items, list) or not items:
        return _bad("requests: at least one is required")
    if len(items) > MAX_BATCH_REQUESTS:
        return _bad(
            f"requests: a Message Batch is limited to {MAX_BATCH_REQUESTS} requests; "
            f"got {len(items)}"
        )
    return None
