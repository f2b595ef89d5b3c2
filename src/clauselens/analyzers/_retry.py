"""The one retry policy for transient API failures.

Transient: 429 (``RateLimitError``), 5xx (``InternalServerError``, 529 ``OverloadedError``
included), ``APIConnectionError`` (``APITimeoutError`` included). They are retried with tenacity:
exponential backoff with jitter, never less than the server's ``retry-after-ms`` /
``retry-after``, until the sum of the waits would pass ``Settings.retry_max_wait`` (or
``MAX_TRANSIENT_ATTEMPTS`` calls). Anything else (400, 401, 403, 404, ...) is not retried: the
caller turns it into ``ApiError`` with ``api_error``.

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
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type
from tenacity.wait import wait_exponential_jitter

from clauselens.analyzers.backoff import Backoff
from clauselens.config import Settings
from clauselens.errors import ApiError

log = logging.getLogger(__name__)

T = TypeVar("T")

TRANSIENT: tuple[type[Exception], ...] = (
    anthropic.RateLimitError,
    anthropic.InternalServerError,
    anthropic.APIConnectionError,
)
MAX_TRANSIENT_ATTEMPTS = 10


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
    def stop(state: RetryCallState) -> bool:
        over_budget = state.idle_for + state.upcoming_sleep > max_wait
        return over_budget or state.attempt_number >= MAX_TRANSIENT_ATTEMPTS

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
    except TRANSIENT as exc:
        first: BaseException | None = exc
    retrying = AsyncRetrying(
        retry=retry_if_exception_type(TRANSIENT),
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
