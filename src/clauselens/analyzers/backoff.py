"""``Backoff``: one pause shared by the concurrent workers of a run (no SDK import, so an
offline run can build its analyzer without loading ``anthropic``).

Every request first awaits ``wait()``; a 429/529 calls ``pause(seconds)`` so that the other
workers hold off too. A run creates one ``Backoff`` and passes it to its analyzer; alone, an
analyzer makes its own. Its ``sleep`` is injectable (tests, or a runner with its own clock).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable


class Backoff:
    """A pause shared by the workers of one run (see the module docstring)."""

    def __init__(
        self,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sleep = sleep
        self._clock = clock
        self._until = 0.0

    def pause(self, seconds: float) -> None:
        """Ask every worker to hold off for ``seconds`` from now (a longer pause wins)."""
        self._until = max(self._until, self._clock() + seconds)

    async def wait(self) -> None:
        """Wait out the current pause, if any; called before every request."""
        delay = self._until - self._clock()
        if delay > 0:
            await self._sleep(delay)

    async def sleep(self, seconds: float) -> None:
        """The sleep between retries (tenacity's ``sleep``)."""
        await self._sleep(seconds)
