"""The requests- and tokens-per-minute budget of one API key, shared in the store by every
worker (``pipeline.runs.shared_limit``), on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clauselens.pipeline.runs.shared_limit import SharedRateLimiter, key_digest
from clauselens.store import open_store
from tests.support.together import run_together

pytestmark = pytest.mark.stores  # SQLite and PostgreSQL (tests/conftest.py)

MINUTE = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
_KEYS = itertools.count()


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    async def sleep(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


def limiters(
    engine: sa.Engine, count: int, rpm: int | None, tpm: int | None, clock: Clock
) -> list[SharedRateLimiter]:
    """``count`` limiters (as many workers) sharing one new key's budget."""
    key = f"test-{next(_KEYS)}"
    return [
        SharedRateLimiter(engine, key, rpm, tpm, clock=clock, sleep=clock.sleep)
        for _ in range(count)
    ]


class TestSharedBudget:
    def test_two_workers_together_get_one_keys_requests_a_minute(self, engine: sa.Engine) -> None:
        """rpm 3 shared by two workers: of five requests in one minute, three go at once and
        the other two wait for the next minute's window."""
        clock = Clock(MINUTE + timedelta(seconds=10))
        first, second = limiters(engine, 2, rpm=3, tpm=None, clock=clock)
        waits = [w.try_take(100) for w in (first, second, first, second, first)]
        assert waits[:3] == [0.0, 0.0, 0.0]
        assert waits[3:] == [50.0, 50.0]
        assert first.spent(MINUTE) == (3, 300)

    def test_a_waiting_request_goes_in_the_next_window(self, engine: sa.Engine) -> None:
        clock = Clock(MINUTE + timedelta(seconds=30))
        (worker,) = limiters(engine, 1, rpm=1, tpm=None, clock=clock)
        asyncio.run(worker.acquire(10))
        asyncio.run(worker.acquire(10))
        assert clock.at == MINUTE + timedelta(minutes=1)
        assert worker.spent(MINUTE + timedelta(minutes=1)) == (1, 10)

    def test_a_request_larger_than_the_token_budget_goes_alone(self, engine: sa.Engine) -> None:
        """As the per-process limiter lets it wait for a full bucket: it is not refused for
        ever, it takes an empty window of its own."""
        clock = Clock(MINUTE)
        (worker,) = limiters(engine, 1, rpm=None, tpm=1000, clock=clock)
        assert worker.try_take(5000) == 0.0
        assert worker.try_take(1) > 0

    def test_no_limit_touches_nothing(self, engine: sa.Engine) -> None:
        clock = Clock(MINUTE)
        (worker,) = limiters(engine, 1, rpm=None, tpm=None, clock=clock)
        asyncio.run(worker.acquire(10**9))
        assert worker.spent(MINUTE) == (0, 0)


# One store for every example is intended: each example spends a new key's budget.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    requests=st.lists(st.tuples(st.integers(0, 2), st.integers(1, 400)), min_size=1, max_size=25),
    rpm=st.integers(1, 10),
    tpm=st.integers(400, 2000),
)
def test_no_window_is_spent_beyond_its_budget(
    engine: sa.Engine, requests: list[tuple[int, int]], rpm: int, tpm: int
) -> None:
    """Whatever three workers ask within one minute, what they are granted stays within
    the key's requests and tokens a minute, and a refused request fit no more."""
    clock = Clock(MINUTE + timedelta(seconds=5))
    workers = limiters(engine, 3, rpm=rpm, tpm=tpm, clock=clock)
    granted_requests = granted_tokens = 0
    for who, tokens in requests:
        if workers[who].try_take(tokens) == 0.0:
            granted_requests += 1
            granted_tokens += tokens
        else:
            assert granted_requests + 1 > rpm or granted_tokens + tokens > tpm
    assert granted_requests <= rpm
    assert granted_tokens <= tpm
    assert workers[0].spent(MINUTE) == (granted_requests, granted_tokens)


class TestAcrossProcesses:
    def test_processes_taking_at_once_never_overspend(self, db_url: str, tmp_path: Path) -> None:
        """Four processes each take 10 requests from one window of 12 at the same moment:
        exactly 12 are granted in all, the count being kept under the row's lock."""
        setup = (
            "from datetime import datetime, UTC\n"
            "from clauselens.store import open_store\n"
            "from clauselens.pipeline.runs.shared_limit import SharedRateLimiter\n"
            f"engine = open_store({db_url!r})\n"
            "at = datetime(2026, 12, 1, 9, 30, 5, tzinfo=UTC)\n"
            "limiter = SharedRateLimiter(engine, 'shared', 12, None, clock=lambda: at)"
        )
        body = "print(sum(limiter.try_take(1) == 0.0 for _ in range(10)))"
        outcomes = run_together(setup, body, processes=4, folder=tmp_path)
        assert [o.returncode for o in outcomes] == [0] * 4, [o.stderr for o in outcomes]
        assert sum(int(o.stdout.strip().splitlines()[-1]) for o in outcomes) == 12
        engine = open_store(db_url)
        limiter = SharedRateLimiter(engine, "shared", 12, None)
        assert limiter.spent(MINUTE) == (12, 12)
        engine.dispose()


def test_the_shared_key_is_a_digest_never_the_key() -> None:
    key = "sk-ant-secret-value"
    digest = key_digest({"ANTHROPIC_API_KEY": key})
    assert key not in digest
    assert digest == key_digest({"ANTHROPIC_API_KEY": key}) != key_digest({})
