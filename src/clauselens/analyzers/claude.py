"""``ClaudeAnalyzer``: one clause (or one change) to Claude and back as a validated record.

Request: the system prompt and the document-context block carry ``cache_control`` and form a
byte-identical prefix for every clause of a document; the clause block follows;
``output_config`` constrains the answer to the JSON Schema of ``ClauseAnalysis`` (or
``ChangeAnalysis``). ``build_request`` builds those params; a Message Batches mode sends them
as they are.

Two loops, each in one place:
- transient API errors: ``_retry.call_with_retries`` (tenacity, shared ``Backoff``);
- invalid answers: ``_run`` re-asks with the model's answer (its text blocks only, never its
  thinking) and the validation errors, up to ``Settings.max_attempts`` answers. A blank answer
  is not re-asked (there is nothing to correct): it is asked again as it was.

Every stop other than ``end_turn`` is a failed attempt recorded with its reason
(https://platform.claude.com/docs/en/build-with-claude/handling-stop-reasons): ``max_tokens``
gets one retry with ``Settings.max_tokens_retry`` (capped at the model's maximum output),
``refusal`` (recorded with its ``stop_details`` category) one plain retry; the others
(``model_context_window_exceeded``, ``pause_turn``, ``tool_use``, ``stop_sequence``, anything
new) end the clause: asking again would stop the same way. Usage is summed over every call,
thinking tokens included (``usage.output_tokens_details.thinking_tokens``).

Requests (``_request``): an explicit ``output_config.effort``, ``max_tokens`` with room for
thinking, no ``thinking`` field and no sampling parameters.

A clause that still has no valid answer comes back as ``AnalysisResult(status="failed")`` with
every attempt's error, usage and raw output; so does one whose transient errors outlasted the
retry budget. Refused requests (400/401/403/404) raise ``ApiError`` at once: no retry helps them;
a base URL no connection can be made to raises ``ApiUnreachableError`` naming it.
"""

from __future__ import annotations

import itertools
import json
import logging
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Generic, TypeVar

import anthropic
import httpx2
from anthropic._data import DEPRECATED_MODELS
from anthropic._types import RequestOptions

from clauselens import prompts
from clauselens.analyzers._request import (
    client_timeout,
    request_effort,
    request_max_tokens,
    validate_request_settings,
)
from clauselens.analyzers._retry import (
    api_error,
    call_with_retries,
    connect_failed,
    is_transient,
    unreachable_error,
)
from clauselens.analyzers.backoff import Backoff
from clauselens.analyzers.base import ChangeResult, ClauseInput, DocumentContext
from clauselens.config import DEFAULT_MODEL, Settings
from clauselens.errors import ApiError
from clauselens.pricing import cost_usd
from clauselens.schemas import (
    AnalysisResult,
    AttemptRecord,
    ChangeAnalysis,
    ClauseAnalysis,
    Provenance,
    Usage,
)
from clauselens.schemas.stored import from_fake_server
from clauselens.schemas.validate import (
    InvalidAnalysis,
    validate_analysis,
    validate_change_analysis,
)

log = logging.getLogger(__name__)

T = TypeVar("T", ClauseAnalysis, ChangeAnalysis)
EPHEMERAL: dict[str, str] = {"type": "ephemeral"}
DEFAULT_MAX_TOKENS = 16_000  # Settings.max_tokens' default: room for adaptive thinking
# The stops asked again once (see the module docstring); any other non-end_turn stop is final.
_STOP_RETRY = ("refusal", "max_tokens")


# The SDK's own encoding of a request body (``anthropic._utils._json.openapi_dumps``).
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
# JSON of the large constants every request repeats (the system prompt, the output schemas), by
# identity; each entry holds its object, so an id is never reused while it is cached.
_CONSTANT_JSON: dict[int, tuple[object, str]] = {}


def _constant(value: Any) -> Any:
    """Mark ``value`` (a cached prompt or schema, never changed) as encoded once for all
    requests; returns it."""
    if id(value) not in _CONSTANT_JSON:
        _CONSTANT_JSON[id(value)] = (value, _ENCODER.encode(value))
    return value


def _json(value: Any) -> str:
    cached = _CONSTANT_JSON.get(id(value))
    if cached is not None and cached[0] is value:
        return cached[1]
    if type(value) is dict:
        return "{" + ",".join(f"{_ENCODER.encode(k)}:{_json(v)}" for k, v in value.items()) + "}"
    if type(value) is list:
        return "[" + ",".join(_json(v) for v in value) + "]"
    return _ENCODER.encode(value)


def request_body(params: dict[str, Any]) -> bytes:
    """The JSON body ``messages.create(**params)`` sends, encoded as the SDK encodes it, with the
    system prompt and the output schema encoded once per process rather than copied and
    encoded again for every request (a sixth of the client's CPU per request)."""
    return _json(params).encode()


@lru_cache(maxsize=256)
def _document_block_text(document: DocumentContext) -> str:
    """The document-context block, rendered once per document (every clause repeats it)."""
    return prompts.render_document(
        document.entity, document.title, document.terms_type, document.outline
    )


def _prefix(document: DocumentContext) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The cached prefix: the system block and the document-context block (fresh dicts, so a
    caller may change its params without touching another request's)."""
    system = [
        {"type": "text", "text": _constant(prompts.render_system()), "cache_control": EPHEMERAL}
    ]
    doc = _document_block_text(document)
    return system, {"type": "text", "text": doc, "cache_control": EPHEMERAL}


def _params(
    document: DocumentContext,
    block: str,
    kind: str,
    model: str,
    max_tokens: int,
    effort: str | None,
) -> dict[str, Any]:
    """The request: no ``thinking`` field (adaptive by default on the 5.5 models; ``disabled``
    is refused) and no sampling parameters (refused on the 5.5 models); see ``_request``."""
    system, doc_block = _prefix(document)
    output_config: dict[str, Any] = {
        "format": {"type": "json_schema", "schema": _constant(prompts.output_schema(kind))}
    }
    chosen = request_effort(model, effort)
    if chosen is not None:
        output_config["effort"] = chosen
    return {
        "model": model,
        "max_tokens": request_max_tokens(model, max_tokens),
        "system": system,
        "messages": [{"role": "user", "content": [doc_block, {"type": "text", "text": block}]}],
        "output_config": output_config,
    }


def build_request(
    clause: ClauseInput,
    *,
    model: str = DEFAULT_MODEL,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    effort: str | None = None,
) -> dict[str, Any]:
    """The ``messages.create`` params for one clause (also a Message Batches request's params).
    ``effort`` None: clauselens' default for the model (``_request.request_effort``)."""
    block = prompts.render_clause(
        clause.heading_path, clause.prompt_text, clause.truncated, clause.truncation_reason
    )
    return _params(clause.document, block, "clause", model, max_tokens, effort)


def build_change_request(
    heading_path: tuple[str, ...],
    old_text: str,
    new_text: str,
    previous: ClauseAnalysis | None,
    document: DocumentContext,
    *,
    model: str = DEFAULT_MODEL,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    effort: str | None = None,
) -> dict[str, Any]:
    """The ``messages.create`` params for one modified provision."""
    previous_json = previous.model_dump_json() if previous else None
    block = prompts.render_change(heading_path, old_text, new_text, previous_json)
    return _params(document, block, "change", model, max_tokens, effort)


@dataclass(frozen=True)
class _Reply:
    """What the loop reads from one Messages API reply."""

    text: str  # the text blocks only (thinking blocks may come first and are never read)
    usage: Usage
    stop_reason: str | None
    request_id: str | None
    stop_details: dict[str, Any] | None = None
    synthetic: bool = False  # answered by clauselens' fake API server (its header)

    @classmethod
    def of(cls, body: dict[str, Any], request_id: str | None, synthetic: bool = False) -> _Reply:
        """Read the reply's JSON body as a plain dict. The loop uses four of its fields; building
        the SDK's typed ``Message`` for them (thirteen models per reply) was a tenth of the
        client's CPU per clause. Errors are still the SDK's (``_create`` posts through it)."""
        u = body.get("usage") or {}
        blocks = body.get("content") or []
        details = u.get("output_tokens_details") or {}
        stop_details = body.get("stop_details")
        return cls(
            text="".join(b.get("text", "") for b in blocks if b.get("type") == "text"),
            usage=Usage(
                input_tokens=u.get("input_tokens") or 0,
                output_tokens=u.get("output_tokens") or 0,
                cache_creation_input_tokens=u.get("cache_creation_input_tokens") or 0,
                cache_read_input_tokens=u.get("cache_read_input_tokens") or 0,
                thinking_tokens=details.get("thinking_tokens") or 0,
            ),
            stop_reason=body.get("stop_reason"),
            request_id=request_id,
            stop_details=stop_details if isinstance(stop_details, dict) else None,
            synthetic=synthetic,
        )


def stop_failure(stop_reason: str | None, stop_details: dict[str, Any] | None) -> str:
    """The failed attempt's message for a stop other than ``end_turn``: the reason, and a
    refusal's ``stop_details`` category and explanation
    (https://platform.claude.com/docs/en/build-with-claude/handling-stop-reasons)."""
    message = f"the model stopped with stop_reason {stop_reason}"
    if stop_details:
        category = stop_details.get("category") or "uncategorised"
        message += f" (category {category})"
        if stop_details.get("explanation"):
            message += f": {stop_details['explanation']}"
    return message


def _usage(message: anthropic.types.Message) -> Usage:
    """The usage of a typed ``Message`` (a Message Batches result), read as a reply is."""
    return _Reply.of(message.model_dump(mode="json"), None).usage


def _text(message: anthropic.types.Message) -> str:
    """The answer text of a typed ``Message``: the text blocks only."""
    return _Reply.of(message.model_dump(mode="json"), None).text


def _stop_details(message: anthropic.types.Message) -> dict[str, Any] | None:
    """The ``stop_details`` of a typed ``Message`` (a refusal's category), if any."""
    return _Reply.of(message.model_dump(mode="json"), None).stop_details


@dataclass
class _Outcome(Generic[T]):
    """Everything the loop learnt: the value (or None), usage, attempts, ids."""

    value: T | None = None
    error: str | None = None
    usage: Usage = field(default_factory=Usage)
    failed: list[AttemptRecord] = field(default_factory=list)
    calls: int = 0
    request_id: str | None = None
    stop_reason: str | None = None
    reasked: bool = False
    synthetic: bool = False

    def fail(self, kind: str, message: str, usage: Usage, raw: str | None) -> None:
        record = AttemptRecord(
            attempt=self.calls, kind=kind, message=message, usage=usage, raw_output=raw
        )
        self.failed.append(record)
        self.error = f"{kind}: {message}"


def _reask_messages(answer: str, errors: list[str]) -> list[dict[str, Any]]:
    """The model's own answer, then the validation errors to fix."""
    return [
        {"role": "assistant", "content": answer},
        {"role": "user", "content": prompts.render_reask(errors)},
    ]


def _request_under(settings: Settings, clause: ClauseInput) -> dict[str, Any]:
    s = settings
    return build_request(clause, model=s.model, max_tokens=s.max_tokens, effort=s.effort)


class ClaudeAnalyzer:
    """The ``claude`` analyzer (implements ``analyzers.base.Analyzer``).

    ``backoff``: share one ``Backoff`` between concurrent analyzers so that a 429 pauses them
    all. ``client``: an ``AsyncAnthropic`` to use instead of building one from ``settings``.
    """

    name = "claude"

    def __init__(
        self,
        settings: Settings,
        *,
        client: anthropic.AsyncAnthropic | None = None,
        backoff: Backoff | None = None,
    ) -> None:
        validate_request_settings(settings)
        self._settings = settings
        self._client = client or self._new_client()
        self._backoff = backoff or Backoff()
        self._request_numbers = itertools.count(1)
        if settings.model in DEPRECATED_MODELS:  # what messages.create warns, once per analyzer
            warnings.warn(
                f"The model '{settings.model}' is deprecated and will reach end-of-life on "
                f"{DEPRECATED_MODELS[settings.model]}.",
                DeprecationWarning,
                stacklevel=2,
            )

    @property
    def model(self) -> str:
        return self._settings.model

    @property
    def prompt_version(self) -> str:
        return prompts.prompt_version()

    def build_request(self, clause: ClauseInput) -> dict[str, Any]:
        """The params this analyzer sends for ``clause`` (reused by the Message Batches mode)."""
        return _request_under(self._settings, clause)  # validated when the analyzer was built

    @staticmethod
    def request_for(settings: Settings, clause: ClauseInput) -> dict[str, Any]:
        """The params an analyzer under ``settings`` sends for ``clause``, without building one
        (and its client: 40-55 ms, most of it the SSL context); ConfigError as the analyzer
        would raise on settings no request could satisfy."""
        validate_request_settings(settings)
        return _request_under(settings, clause)

    async def analyze(
        self, clause: ClauseInput, *, reask: tuple[str, list[str]] | None = None
    ) -> AnalysisResult:
        """Analyse ``clause``. ``reask``: an earlier answer (from a Message Batch, say) and its
        validation errors; the first request then re-asks with them, and that answer counts as
        one of ``max_attempts``."""
        started = time.monotonic()
        outcome = await self._run(
            self.build_request(clause),
            lambda text: validate_analysis(text, clause.text, clause.truncated),
            reask,
        )
        if outcome.value is None:
            log.warning("analysis failed for clause %s: %s", clause.clause_sha256, outcome.error)
        return AnalysisResult(
            clause_sha256=clause.clause_sha256,
            status="valid" if outcome.value is not None else "failed",
            analysis=outcome.value,
            error=outcome.error if outcome.value is None else None,
            provenance=self._provenance(outcome, started),
            input_truncated=clause.truncated,
        )

    async def analyze_change(
        self,
        old_text: str,
        new_text: str,
        previous: ClauseAnalysis | None,
        document: DocumentContext,
        heading_path: tuple[str, ...] = (),
    ) -> ChangeResult:
        """What a modification means for users, validated against the old and new text."""
        started = time.monotonic()
        params = build_change_request(
            heading_path,
            old_text,
            new_text,
            previous,
            document,
            model=self.model,
            max_tokens=self._settings.max_tokens,
            effort=self._settings.effort,
        )
        outcome = await self._run(
            params, lambda text: validate_change_analysis(text, old_text, new_text)
        )
        return ChangeResult(
            status="valid" if outcome.value is not None else "failed",
            analysis=outcome.value,
            error=outcome.error if outcome.value is None else None,
            provenance=self._provenance(outcome, started),
        )

    async def aclose(self) -> None:
        await self._client.close()

    def _new_client(self) -> anthropic.AsyncAnthropic:
        """An SDK client with the SDK's defaults (timeouts set from the settings, no SDK
        retries: ``_retry`` retries) over the SDK's aiohttp transport
        (``anthropic.DefaultAioHttpClient``, the ``aiohttp`` extra, which the SDK's README
        offers "for improved concurrency performance"). Over its default httpx transport the
        connection pool walks every connection twice per request: at concurrency 64 the
        client spent 2.8 ms of CPU per clause, 2.1 over aiohttp (``bench/run.py``)."""
        s = self._settings
        return anthropic.AsyncAnthropic(
            max_retries=0,
            base_url=s.base_url,
            timeout=client_timeout(s),
            http_client=anthropic.DefaultAioHttpClient(),
        )

    def _provenance(self, outcome: _Outcome[Any], started: float) -> Provenance:
        return Provenance(
            analyzer="claude",
            model=self.model,
            prompt_id=prompts.PROMPT_ID,
            prompt_version=self.prompt_version,
            request_id=outcome.request_id,
            stop_reason=outcome.stop_reason,
            usage=outcome.usage,
            cost_usd=cost_usd(self.model, outcome.usage),
            attempts=outcome.calls,
            failed_attempts=outcome.failed,
            latency_ms=round((time.monotonic() - started) * 1000, 1),
            generated_at=datetime.now(UTC),
            reasked=outcome.reasked,
            synthetic=outcome.synthetic,
        )

    async def _create(self, params: dict[str, Any]) -> _Reply:
        """One ``POST /v1/messages`` under the transient-error policy; refusals raise ``ApiError``.

        The body is encoded here (``request_body``) and sent through the SDK's ``post``: the
        same request, headers, errors and timeouts as ``messages.create``, without the SDK's
        deep copy and re-encoding of the params, and the reply read as JSON (``_Reply.of``)."""
        body = request_body(params)
        post = self._client.post
        # The SDK draws a uuid4 idempotency key for every POST that has none, though the
        # Anthropic client sends no idempotency header (``_idempotency_header = None`` in
        # anthropic/_base_client.py): os.urandom cost 0.43 ms a request on the benchmark
        # machine, a fifth of the pipeline's CPU per clause. A counter costs nothing; the
        # value is never sent.
        options: RequestOptions = {"idempotency_key": f"clauselens-{next(self._request_numbers)}"}
        try:
            response = await call_with_retries(
                lambda: post(
                    "/v1/messages", content=body, cast_to=httpx2.Response, options=options
                ),
                self._settings,
                self._backoff,
            )
        except anthropic.APIStatusError as exc:
            if is_transient(exc):
                raise
            raise api_error(exc) from exc
        except anthropic.APIConnectionError as exc:
            if connect_failed(exc):
                raise unreachable_error(exc, str(self._client.base_url)) from exc
            raise
        synthetic = from_fake_server(response.headers)
        return _Reply.of(response.json(), response.headers.get("request-id"), synthetic)

    async def _run(
        self,
        params: dict[str, Any],
        validate: Callable[[str], T],
        reask: tuple[str, list[str]] | None = None,
    ) -> _Outcome[T]:
        """The bounded re-ask loop (see the module docstring)."""
        outcome: _Outcome[T] = _Outcome()
        messages: list[dict[str, Any]] = list(params["messages"])
        max_tokens = params["max_tokens"]
        stop_retries_left = set(_STOP_RETRY)
        answers = 0
        if reask is not None:
            answer, errors = reask
            messages += _reask_messages(answer, errors)
            outcome.reasked = True
            answers = 1
        while True:
            outcome.calls += 1
            try:
                reply = await self._create(
                    {**params, "messages": messages, "max_tokens": max_tokens}
                )
            except (anthropic.APIStatusError, anthropic.APIConnectionError) as exc:
                kind = "api_error" if isinstance(exc, anthropic.APIStatusError) else "transport"
                outcome.fail(kind, f"gave up after transient errors: {exc}", Usage(), None)
                return outcome
            except ApiError as refused:  # not retried; what earlier attempts cost goes with it
                refused.usage = outcome.usage.model_dump()
                raise
            usage, text = reply.usage, reply.text
            outcome.usage += usage
            outcome.request_id = reply.request_id or outcome.request_id
            outcome.stop_reason = reply.stop_reason
            outcome.synthetic = outcome.synthetic or reply.synthetic
            if reply.stop_reason != "end_turn":
                reason = str(reply.stop_reason)
                message = stop_failure(reply.stop_reason, reply.stop_details)
                outcome.fail(reason, message, usage, text or None)
                if reason not in stop_retries_left:
                    return outcome
                stop_retries_left.discard(reason)
                if reason == "max_tokens":
                    retry_tokens = request_max_tokens(self.model, self._settings.max_tokens_retry)
                    if retry_tokens <= max_tokens:  # the same budget would stop the same way
                        return outcome
                    max_tokens = retry_tokens
                continue
            answers += 1
            if not text.strip():  # nothing to correct: ask again as before, never re-ask
                outcome.fail("empty_answer", "the model ended its turn with no text", usage, None)
                if answers >= self._settings.max_attempts:
                    return outcome
                continue
            try:
                outcome.value = validate(text)
            except InvalidAnalysis as invalid:
                outcome.fail(invalid.kind, "; ".join(invalid.errors), usage, text)
                if answers >= self._settings.max_attempts:
                    return outcome
                outcome.reasked = True
                messages = messages + _reask_messages(text, invalid.errors)
                continue
            outcome.error = None
            return outcome
