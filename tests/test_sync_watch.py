"""``clauselens sync --watch``: fetch and sync on a schedule, against a local bare repository."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from clauselens.cli import main
from clauselens.config import Settings
from clauselens.errors import UsageError
from clauselens.pipeline.ingest.ota.sync import SyncOptions
from clauselens.pipeline.ingest.ota.watch import Cycle, parse_interval, watch
from tests.support.versions_repo import VersionsRepo, git, policy


@pytest.fixture
def upstream(tmp_path: Path) -> tuple[Path, VersionsRepo, Path]:
    """A bare repository, the bot's working copy that pushes to it, and a user's clone."""
    bare = tmp_path / "demo-versions.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    bot = VersionsRepo(tmp_path / "bot", str(bare))
    bot.record(
        "Acme",
        "Terms of Service",
        policy("First text of the terms."),
        "2025-01-02T10:00:00Z",
        "first",
    )
    git(bot.path, "push", "-q", "origin", "main")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(bare), str(clone))
    return bare, bot, clone


def test_each_cycle_fetches_and_syncs_what_was_pushed_meanwhile(
    engine: sa.Engine, settings: Settings, upstream: tuple[Path, VersionsRepo, Path]
) -> None:
    _, bot, clone = upstream
    cycles: list[Cycle] = []

    def push_a_version(_: float) -> None:  # between cycles, the bot records a change
        at = f"2025-02-0{len(cycles)}T10:00:00Z"
        bot.record("Acme", "Terms of Service", policy(f"Text number {len(cycles)}."), at, "change")
        git(bot.path, "push", "-q", "origin", "main")

    ran = watch(engine, clone, settings, SyncOptions(), 0.1, cycles.append, 3, push_a_version)
    assert ran == 3
    assert [c.report.outcomes["new_version"] for c in cycles if c.report] == [1, 1, 1]
    assert len(git(clone, "log", "--format=%H").split()) == 1  # its branch was not moved


def test_the_command_prints_one_summary_line_per_cycle(
    db_url: str, upstream: tuple[Path, VersionsRepo, Path]
) -> None:
    _, _, clone = upstream
    args = ["--db", db_url, "sync", str(clone), "--watch", "0.1", "--max-cycles", "2"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if " cycle " in line]
    assert len(lines) == 2
    assert "1 new version(s)" in lines[0]
    assert "nothing new" in lines[1]


def test_a_failed_fetch_is_reported_and_the_watch_goes_on(
    engine: sa.Engine, settings: Settings, upstream: tuple[Path, VersionsRepo, Path]
) -> None:
    bare, _, clone = upstream
    git(clone, "remote", "set-url", "origin", str(bare.parent / "gone.git"))
    cycles: list[Cycle] = []
    watch(engine, clone, settings, SyncOptions(), 0.1, cycles.append, 2, lambda _: None)
    assert [c.fetch_error is not None for c in cycles] == [True, True]


@pytest.mark.parametrize(
    ("text", "seconds"), [("30", 30.0), ("30s", 30.0), ("5m", 300.0), ("1h", 3600.0)]
)
def test_intervals_are_read_in_seconds_minutes_or_hours(text: str, seconds: float) -> None:
    assert parse_interval(text) == seconds


@pytest.mark.parametrize("text", ["soon", "0", "-5m", ""])
def test_a_bad_interval_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError):
        parse_interval(text)
