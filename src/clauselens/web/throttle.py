"""Failed access-token attempts, counted per client address in a sliding window (in memory).

Without a limit a script could try tokens as fast as the server answers (200 guesses in 3.4 s).
``FailedAttempts`` lets each client make ``limit`` failed attempts within ``window`` seconds;
after that the client is refused (429 with ``Retry-After``) until its oldest failure leaves the
window, and while it is refused no token it sends is checked at all, so refusals tell it
nothing. A right token clears the client's failures.

A client is its address; IPv6 addresses count by their /64 network, since one host usually
holds a whole /64. The counts live in this process only (``clauselens serve`` is one process)
and at most ``max_clients`` are kept: the least recently failing ones are forgotten first.
The clock is injected, so tests move time instead of sleeping.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections import deque
from collections.abc import Callable

Clock = Callable[[], float]

LIMIT = 10
WINDOW_SECONDS = 300.0
MAX_CLIENTS = 10_000


def client_key(address: str | None) -> str:
    """Who is counted: an IPv4 address, an IPv6 /64 network, or the raw name (test clients)."""
    if not address:
        return "unknown"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


class FailedAttempts:
    """At most ``limit`` failures per client within ``window`` seconds."""

    def __init__(
        self,
        limit: int = LIMIT,
        window: float = WINDOW_SECONDS,
        *,
        clock: Clock = time.monotonic,
        max_clients: int = MAX_CLIENTS,
    ) -> None:
        if limit < 1 or window <= 0 or max_clients < 1:
            raise ValueError("a limit needs limit >= 1, window > 0 and max_clients >= 1")
        self.limit = limit
        self.window = window
        self.clock = clock
        self.max_clients = max_clients
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            self._failures.pop(key, None)
        return times

    def retry_after(self, key: str) -> int:
        """Seconds until ``key`` may try again; 0 when it may try now."""
        now = self.clock()
        times = self._recent(key, now)
        if len(times) < self.limit:
            return 0
        return max(1, math.ceil(times[-self.limit] + self.window - now))

    def fail(self, key: str) -> None:
        """Count one failed attempt by ``key``."""
        now = self.clock()
        times = self._recent(key, now)
        times.append(now)
        self._failures.pop(key, None)
        self._failures[key] = times  # last in the dict: the most recently failing
        while len(self._failures) > self.max_clients:
            del self._failures[next(iter(self._failures))]

    def clear(self, key: str) -> None:
        """Forget ``key``'s failures (it gave the right token)."""
        self._failures.pop(key, None)
