"""The one retry policy for transient API failures.

Which failures are transient mirrors the SDK's own ``_should_retry`` (anthropic 2.15,
``_base_client.py``) and the errors page (https://platform.claude.com/docs/en/api/errors):
an ``x-should-retry: true|false`` response header decides first; then 408 (request timeout),
409 (lock timeout), 429 and every 5xx (529 overloaded included) are retried; connection errors
and timeouts too. Anything else (400, 401, 403, 404, 413, ...) is sent once: the caller turns
it into ``ApiError`` with ``api_error``.

Retries use tenacity: exponential backoff with jitter, never less than the server's
``retry-after-ms`` / ``retry-after``, until the sum of the waits would pass
``Settings.retry_max_wait`` (or ``MAX_TRANSIENT_ATTEMPTS`` calls). Two kinds have tighter
bounds of their own:
- a timed-out generation (read timeout) is retried once (``MAX_TIMEOUT_ATTEMPTS``): each try
  may have run for ``request_timeout`` seconds and been billed;
- a failed connection (connect refused or connect timeout: the request never reached a
  server) is tried ``MAX_CONNECT_ATTEMPTS`` times, as the SDK's two retries do, so that a wrong
  ``ANTHROPIC_BASE_URL`` fails in seconds (3 x ``connect_timeout`` plus the waits).

Every call first awaits the shared ``Backoff`` (``analyzers.backoff``), and a 429/529 pauses it
so that the other workers hold off too.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from email.utils import parsedate_to_datetime
from typing import TypeVar

import anthropic
import httpx2
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception
from tenacity.wait import wait_exponential_jitter

from clauselens.analyzers.backoff import Backoff
from clauselens.config import Settings
from clauselens.errors import ApiError, ApiUnreachableError

log = logging.getLogger(__name__)

T = TypeVar("T")

MAX_TRANSIENT_ATTEMPTS = 10
MAX_TIMEOUT_ATTEMPTS = 2  # a timed-out generation is retried at most once
MAX_CONNECT_ATTEMPTS = 3  # the SDK's default: max_retries=2 (anthropic._constants)


def should_retry_response(status_code: int, should_retry_header: str | None) -> bool:
    """The SDK's ``_should_retry`` for a response (anthropic 2.15, ``_base_client.py``)."""
    if should_retry_header == "true":
        return True
    if should_retry_header == "false":
        return False
    return status_code in (408, 409, 429) or status_code >= 500


def connect_failed(exc: BaseException) -> bool:
    """Whether ``exc`` is a connection that was never made (refused, unresolvable, connect
    timeout): the SDK raises ``APIConnectionError``/``APITimeoutError`` from httpx2's
    ``ConnectError``/``ConnectTimeout``."""
    return isinstance(exc, anthropic.APIConnectionError) and isinstance(
        exc.__cause__, httpx2.ConnectError | httpx2.ConnectTimeout
    )


def generation_timed_out(exc: BaseException) -> bool:
    """A timeout after the request was sent (read, write or pool timeout)."""
    return isinstance(exc, anthropic.APITimeoutError) and not connect_failed(exc)


def is_transient(exc: BaseException) -> bool:
    """Whether the SDK would retry ``exc`` (see the module docstring)."""
    if isinstance(exc, anthropic.APIStatusError):
        header = exc.response.headers.get("x-should-retry")
        return should_retry_response(exc.status_code, header)
    return isinstance(exc, anthropic.APIConnectionError)


def retry_after(exc: BaseException) -> float | None:
    """Seconds the server asked us to wait (``retry-after-ms``, then ``retry-after``), if any."""
    if not isinstance(exc, anthropic.APIStatusError):
        return None
    headers = exc.response.headers
    try:
        if headers.get("retry-after-ms"):
            return float(headers["retry-after-ms"]) / 1000
        value = headers.get("retry-after")
        if not value:
            return None
        try:
            return float(value)
        except ValueError:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


class _TransientWait:
    """Exponential backoff with jitter, floored at ``retry-after``; a 429/529 pauses ``Backoff``."""

    def __init__(self, settings: Settings, backoff: Backoff) -> None:
        self._exponential = wait_exponential_jitter(
            multiplier=settings.retry_initial_wait,
            max=settings.retry_max_backoff,
            jitter=settings.retry_initial_wait,
        )
        self._backoff = backoff

    def __call__(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        seconds = self._exponential(state)
        asked = retry_after(exc) if exc else None
        if asked is not None:
            seconds = max(seconds, asked)
        if isinstance(exc, anthropic.RateLimitError | anthropic.OverloadedError):
            self._backoff.pause(seconds)
        return seconds


def _stop(max_wait: float) -> Callable[[RetryCallState], bool]:
    """Stop past the wait budget, after ``MAX_TRANSIENT_ATTEMPTS`` calls, after the second
    timed-out generation or the third failed connection (counted within one call's retries)."""
    timeouts = connects = 0

    def stop(state: RetryCallState) -> bool:
        nonlocal timeouts, connects
        exc = state.outcome.exception() if state.outcome else None
        timeouts += exc is not None and generation_timed_out(exc)
        connects += exc is not None and connect_failed(exc)
        over_budget = state.idle_for + state.upcoming_sleep > max_wait
        return (
            over_budget
            or state.attempt_number >= MAX_TRANSIENT_ATTEMPTS
            or timeouts >= MAX_TIMEOUT_ATTEMPTS
            or connects >= MAX_CONNECT_ATTEMPTS
        )

    return stop


def _log_retry(state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    log.warning(
        "transient API error, retrying: %s (status %s, request id %s); waiting %.2fs",
        type(exc).__name__,
        getattr(exc, "status_code", None),
        getattr(exc, "request_id", None),
        state.upcoming_sleep,
    )


async def call_with_retries(
    call: Callable[[], Awaitable[T]], settings: Settings, backoff: Backoff
) -> T:
    """Run ``call`` under the transient-error policy; the last error is re-raised when it ends.

    The first attempt runs outside tenacity (most calls succeed at once, and tenacity's loop
    costs a few percent of a request's CPU); a transient failure is then replayed as tenacity's
    first attempt, so waits, stops and logs are those of one tenacity loop over every call.
    """
    await backoff.wait()
    try:
        return await call()
    except anthropic.APIError as exc:
        if not is_transient(exc):
            raise
        first: BaseException | None = exc
    retrying = AsyncRetrying(
        retry=retry_if_exception(is_transient),
        wait=_TransientWait(settings, backoff),
        stop=_stop(settings.retry_max_wait),
        sleep=backoff.sleep,
        before_sleep=_log_retry,
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            if first is not None:
                replayed, first = first, None
                raise replayed
            await backoff.wait()
            return await call()
    raise AssertionError("unreachable: tenacity either returns or re-raises")  # pragma: no cover


def api_error(exc: anthropic.APIStatusError) -> ApiError:
    """A clear ``ApiError`` for a refused request: status, error type, API message, request id."""
    hint = {
        401: " Check ANTHROPIC_API_KEY.",
        403: " The key is not allowed to use this resource.",
        404: " Check the model name and ANTHROPIC_BASE_URL.",
    }.get(exc.status_code, "")
    message = (
        f"the Messages API refused the request: HTTP {exc.status_code} "
        f"{exc.type or 'error'}: {exc.api_message or exc.message} "
        f"(request id {exc.request_id or 'unknown'}).{hint}"
    )
    return ApiError(message, status_code=exc.status_code, request_id=exc.request_id)


def unreachable_error(exc: anthropic.APIConnectionError, base_url: str | None = None) -> ApiError:
    """An ``ApiUnreachableError`` naming the base URL when no connection could be made
    (``connect_failed``); otherwise an ``ApiError`` with the SDK's message and the URL tried.
    ``base_url``: the client's; by default, the request URL up to its ``/v1/`` path."""
    tried = str(exc.request.url)
    url = (base_url or tried.split("/v1/", maxsplit=1)[0]).rstrip("/")
    if connect_failed(exc):
        reason = f"{type(exc.__cause__).__name__}: {exc.__cause__}"
        return ApiUnreachableError(url, reason, attempts=MAX_CONNECT_ATTEMPTS)
    return ApiError(f"{exc} ({tried})", status_code=None, request_id=None)
