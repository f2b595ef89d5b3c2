"""Watch: fetch a versions repository and sync it on a schedule, one report per cycle.

Each cycle runs ``git fetch`` in the clone, then syncs up to what was fetched: the current
branch's upstream (``@{upstream}``, e.g. ``origin/main``) when it has one, else ``HEAD`` (a
mirror clone, whose fetch moves its branches). The working tree is never touched. A fetch that
fails (the network is down) is reported in that cycle's report and the watch goes on; a fatal
sync error (a rewritten history) stops it. ``max_cycles`` bounds the loop (tests, scripts).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import sqlalchemy as sa

from clauselens.config import Settings
from clauselens.errors import UsageError
from clauselens.pipeline.ingest.ota import gitlog
from clauselens.pipeline.ingest.ota.sync import SyncOptions, SyncReport, sync


@dataclass(frozen=True)
class Cycle:
    number: int
    report: SyncReport | None  # None when the fetch failed
    fetch_error: str | None = None


def fetch(repo: Path) -> str | None:
    """``git fetch``; git's last words when it failed, else ``None``."""
    done = gitlog.git(repo, "fetch", "--quiet", check=False)
    if done.returncode == 0:
        return None
    said = done.stderr.strip().splitlines()
    return said[-1] if said else f"git fetch exited {done.returncode}"


def fetched_ref(repo: Path) -> str:
    return "@{upstream}" if gitlog.resolve(repo, "@{upstream}") else "HEAD"


def watch(
    engine: sa.Engine,
    repo: Path,
    settings: Settings,
    options: SyncOptions,
    interval: float,
    on_cycle: Callable[[Cycle], None],
    max_cycles: int | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """Fetch and sync every ``interval`` seconds until stopped (or ``max_cycles``); returns
    the number of cycles run. A ``SyncError`` (other than a failed fetch) ends the watch."""
    gitlog.check_repository(repo)
    number = 0
    while max_cycles is None or number < max_cycles:
        number += 1
        error = fetch(repo)
        if error is not None:
            on_cycle(Cycle(number, None, error))
        else:
            report = sync(engine, repo, settings, replace(options, ref=fetched_ref(repo)))
            on_cycle(Cycle(number, report))
        if max_cycles is None or number < max_cycles:
            sleep(interval)
    return number


def parse_interval(text: str) -> float:
    """``30``, ``30s``, ``5m``, ``1h`` → seconds (at least 0.1)."""
    units = {"s": 1.0, "m": 60.0, "h": 3600.0}
    value = text.strip().lower()
    scale = units.get(value[-1:])
    number = value[:-1] if scale is not None else value
    try:
        seconds = float(number) * (scale or 1.0)
    except ValueError as exc:
        raise UsageError(
            f"--watch {text!r}: not an interval: give seconds, or 30s, 5m, 1h"
        ) from exc
    if seconds < 0.1:
        raise UsageError(f"--watch {text!r}: the interval must be at least 0.1 s")
    return seconds
