"""Requests- and tokens-per-minute limits of one API key, shared by every worker on the store.

``ratelimit.RateLimiter`` limits one process; workers on several machines spend one key's
budget together, so their count is kept in the store: a row of ``rate_windows`` per key and
minute, and ``acquire`` takes a request from it with one ``UPDATE ... WHERE ... RETURNING``
whose condition (the window still has room) PostgreSQL checks again under the row's lock, so
two workers can never both take the last request of a minute. A request that does not fit
waits for the next window. A single request larger than the whole token budget goes alone
into an empty window (as the per-process limiter lets it wait for a full bucket).

The minute windows are fixed, not a sliding bucket: at most one minute's allowance is spent
in any window, so the rate over any two minutes stays within two allowances.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from clauselens.errors import StoreError
from clauselens.store import tables as t

WINDOW = timedelta(minutes=1)
KEEP = timedelta(hours=1)  # windows older than this are deleted as new ones open
_INSERTS: dict[str, Callable[[sa.Table], Any]] = {
    "sqlite": sqlite.insert,
    "postgresql": postgresql.insert,
}
_W = t.rate_windows.c


def key_digest(env: Mapping[str, str]) -> str:
    """Which key's budget the workers share: a digest of ANTHROPIC_API_KEY, never the key."""
    key = env.get("ANTHROPIC_API_KEY", "")
    return "k1-" + hashlib.sha256(key.encode()).hexdigest()[:32] if key else "no-key"


def utc_now() -> datetime:
    return datetime.now(UTC)


class SharedRateLimiter:
    """``rpm`` requests and ``tpm`` tokens a minute (either None: no limit) for ``api_key``,
    counted in the store (module docstring). Satisfies ``analyze.executor.Limiter``."""

    def __init__(
        self,
        engine: sa.Engine,
        api_key: str,
        rpm: int | None,
        tpm: int | None,
        *,
        clock: Callable[[], datetime] = utc_now,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.engine = engine
        self.api_key = api_key
        self.rpm = rpm
        self.tpm = tpm
        self._clock = clock
        self._sleep = sleep

    async def acquire(self, tokens: int) -> None:
        if self.rpm is None and self.tpm is None:
            return
        while True:
            wait = await asyncio.to_thread(self.try_take, tokens)
            if wait <= 0:
                return
            await self._sleep(wait)

    def try_take(self, tokens: int) -> float:
        """Take one request of ``tokens`` from this minute's window: 0 when taken, else the
        seconds until the next window opens."""
        now = self._clock()
        window = now.replace(second=0, microsecond=0)
        with self.engine.begin() as conn:
            self._open(conn, window)
            fits = [_W.requests + 1 <= self.rpm] if self.rpm is not None else []
            if self.tpm is not None:
                fits.append(sa.or_(_W.tokens + tokens <= self.tpm, _W.tokens == 0))
            taken = conn.execute(
                t.rate_windows.update()
                .where(_W.api_key == self.api_key, _W.window_start == window, *fits)
                .values(requests=_W.requests + 1, tokens=_W.tokens + tokens)
                .returning(_W.requests)
            ).first()
        if taken is not None:
            return 0.0
        return max((window + WINDOW - now).total_seconds(), 0.01)

    def _open(self, conn: sa.Connection, window: datetime) -> None:
        """The window's row, made if missing (and the key's old windows deleted then)."""
        make = _INSERTS.get(conn.dialect.name)
        if make is None:
            raise StoreError(f"shared limits need SQLite or PostgreSQL, not {conn.dialect.name}")
        row = {"api_key": self.api_key, "window_start": window, "requests": 0, "tokens": 0}
        made = conn.execute(make(t.rate_windows).values(**row).on_conflict_do_nothing())
        if made.rowcount:
            conn.execute(
                t.rate_windows.delete().where(
                    _W.api_key == self.api_key, _W.window_start < window - KEEP
                )
            )

    def spent(self, window: datetime) -> tuple[int, int]:
        """Requests and tokens taken in the window starting at ``window`` (0, 0 if none)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(_W.requests, _W.tokens).where(
                    _W.api_key == self.api_key, _W.window_start == window
                )
            ).first()
        return (int(row.requests), int(row.tokens)) if row is not None else (0, 0)
