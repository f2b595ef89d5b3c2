"""Requests- and tokens-per-minute limits for a run: two token buckets behind one lock.

``acquire(tokens)`` waits until one request and ``tokens`` input+output tokens fit in the
buckets. Buckets start full (a burst of one minute's allowance is what the API allows too) and
refill continuously. Waiters are served in arrival order, so no worker starves.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class _Bucket:
    def __init__(self, per_minute: int, clock: Callable[[], float]) -> None:
        self.capacity = float(per_minute)
        self.level = float(per_minute)
        self.rate = per_minute / 60.0
        self._clock = clock
        self._at = clock()

    def refill(self) -> None:
        now = self._clock()
        self.level = min(self.capacity, self.level + (now - self._at) * self.rate)
        self._at = now

    def wait_for(self, amount: float) -> float:
        """Seconds until ``amount`` fits (an amount over capacity waits for a full bucket)."""
        self.refill()
        need = min(amount, self.capacity) - self.level
        return max(0.0, need / self.rate)

    def take(self, amount: float) -> None:
        self.level -= min(amount, self.capacity)


class RateLimiter:
    """Limits of ``rpm`` requests and ``tpm`` tokens a minute (either may be None: no limit)."""

    def __init__(
        self,
        rpm: int | None,
        tpm: int | None,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._requests = _Bucket(rpm, clock) if rpm else None
        self._tokens = _Bucket(tpm, clock) if tpm else None
        self._sleep = sleep
        self._lock = asyncio.Lock()

    async def acquire(self, tokens: int) -> None:
        if self._requests is None and self._tokens is None:
            return
        async with self._lock:
            while True:
                delay = max(
                    self._requests.wait_for(1) if self._requests else 0.0,
                    self._tokens.wait_for(tokens) if self._tokens else 0.0,
                )
                if delay <= 0:
                    break
                await self._sleep(delay)
            if self._requests:
                self._requests.take(1)
            if self._tokens:
                self._tokens.take(tokens)
