"""``--dry-run``: estimates from the prompts, with no model call and no store write."""

from __future__ import annotations

import shutil
from pathlib import Path

import sqlalchemy as sa
from click.testing import CliRunner

from clauselens.cli import main
from clauselens.config import AlignSettings, Settings
from clauselens.pipeline.runs.estimate import dry_run
from clauselens.pipeline.runs.run import RunOptions, run
from clauselens.store import open_store
from clauselens.store import tables as t
from clauselens.testing.fake_api import FakeApi
from tests.support.paths import FIXTURES

HISTORY = FIXTURES / "ota" / "history" / "chatgpt" / "terms-of-service"


def rows(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return sum(
            conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in t.metadata.sorted_tables
        )


def test_dry_run_calls_nothing_and_writes_nothing(
    engine: sa.Engine, claude_settings: Settings, fake_api: FakeApi
) -> None:
    before = rows(engine)
    report = dry_run(engine, [HISTORY], claude_settings, ["claude-sonnet-5-5"])
    assert fake_api.requests == []
    assert rows(engine) == before
    assert report.captures == 5
    by_mode = {e.mode: e for e in report.estimates}
    assert by_mode["direct"].calls == report.calls < by_mode["naive"].calls == report.clauses_seen
    assert by_mode["direct"].usage.cache_read_input_tokens > 0
    assert by_mode["naive"].usage.cache_read_input_tokens == 0
    assert by_mode["batches"].cost_usd < by_mode["direct"].cost_usd < by_mode["naive"].cost_usd


def test_clauses_already_analysed_are_not_counted(
    engine: sa.Engine, claude_settings: Settings, fake_api: FakeApi
) -> None:
    path = HISTORY / sorted(p.name for p in HISTORY.glob("v*.md"))[0]
    meta = {"entity": "ChatGPT", "title": "Terms of Service"}
    run(engine, [path], claude_settings, RunOptions(), ingest_options=meta)
    report = dry_run(engine, [path], claude_settings, ["claude-sonnet-5-5"])
    assert report.calls == 0
    assert report.reused == report.clauses_seen


def test_cli_prints_every_model_direct_batches_and_naive(db_url: str) -> None:
    args = ["--db", db_url, "run", str(HISTORY), "--dry-run"]
    args += ["--model", "claude-sonnet-5-5", "--model", "claude-haiku-5-5"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    for word in ("claude-sonnet-5-5", "claude-haiku-5-5", "direct", "batches", "naive"):
        assert word in result.output
    assert "naive / planned cost" in result.output


def test_estimated_calls_equal_what_a_run_then_analyses(
    engine: sa.Engine, settings: Settings
) -> None:
    """The estimate aligns versions as a run does: cosmetic and moved provisions are not
    counted, and neither are clauses that are only heading lines."""
    fixtures = FIXTURES / "ota"
    report = dry_run(engine, [fixtures], settings, ["claude-sonnet-5-5"])
    summary = run(engine, [fixtures], settings, RunOptions(analyzer="offline"))
    assert report.calls == summary.counts["to_analyse"] == summary.counts["analysed"]
    assert report.calls < report.clauses_seen


def test_the_estimate_aligns_with_the_configured_thresholds(
    engine: sa.Engine, settings: Settings
) -> None:
    """``[align]`` in the config reaches the estimate: with a threshold only identical text
    meets, cosmetic and modified provisions become added ones, and the estimate still equals
    what a run with the same settings analyses."""
    fixtures = FIXTURES / "ota"
    strict = settings.model_copy(
        update={"align": AlignSettings(match_threshold=100, text_floor=100)}
    )
    default = dry_run(engine, [fixtures], settings, ["claude-sonnet-5-5"])
    report = dry_run(engine, [fixtures], strict, ["claude-sonnet-5-5"])
    summary = run(engine, [fixtures], strict, RunOptions(analyzer="offline"))
    assert report.calls == summary.counts["to_analyse"] == summary.counts["analysed"]
    assert report.calls > default.calls


class TestDryRunStore:
    """A dry run writes nothing: not even a store that does not exist yet (issue 16, point 8)."""

    def test_a_dry_run_creates_no_store(self, tmp_path: Path) -> None:
        store = tmp_path / "never.db"
        result = CliRunner().invoke(main, ["--db", str(store), "run", str(HISTORY), "--dry-run"])
        assert result.exit_code == 0, result.output
        assert "call(s) needed" in result.output
        assert list(tmp_path.glob("never.db*")) == []

    def test_a_dry_run_leaves_an_existing_store_byte_for_byte(
        self, tmp_path: Path, settings: Settings
    ) -> None:
        path = HISTORY / sorted(p.name for p in HISTORY.glob("v*.md"))[0]
        meta = {"entity": "ChatGPT", "title": "Terms of Service"}
        engine = open_store(settings.db_url)
        run(engine, [path], settings, RunOptions(analyzer="offline"), ingest_options=meta)
        engine.dispose()
        store = tmp_path / "store.db"
        before = store.read_bytes()
        args = ["--db", settings.db_url, "run", str(HISTORY), "--dry-run"]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        assert store.read_bytes() == before

    def test_a_store_needing_a_migration_is_refused_not_migrated(
        self, tmp_path: Path, settings: Settings
    ) -> None:
        engine = open_store(settings.db_url)
        with engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM _migrations WHERE name = 'm0008_claims'")
        engine.dispose()
        args = ["--db", settings.db_url, "run", str(HISTORY), "--dry-run"]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1
        assert "needs migrating (m0008_claims)" in result.output
        engine = open_store(settings.db_url)  # a command that writes migrates it
        engine.dispose()


class TestDryRunUnreadable:
    def test_every_capture_unreadable_exits_1_and_says_so(self, tmp_path: Path) -> None:
        folder = tmp_path / "captures" / "acme"
        folder.mkdir(parents=True)
        (folder / "terms.md").write_bytes(b"")
        (folder / "privacy.md").write_bytes(b"\x00\x01\x02binary\xff\xfe")
        args = ["--db", str(tmp_path / "s.db"), "run", str(folder), "--dry-run"]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1
        assert result.output.count("unreadable capture:") == 2
        assert "no capture could be read" in result.output

    def test_one_capture_unreadable_among_readable_ones_exits_1(self, tmp_path: Path) -> None:
        """As ``run`` would: exit 1 when some captures failed, and they are listed."""
        folder = tmp_path / "chatgpt" / "terms-of-service"
        shutil.copytree(HISTORY, folder)
        (folder / "v9_2030-01-01T00-00-00_empty.md").write_bytes(b"")
        args = ["--db", str(tmp_path / "s.db"), "run", str(folder), "--dry-run"]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 1
        assert result.output.count("unreadable capture:") == 1
        assert "no capture could be read" not in result.output
        assert "call(s) needed" in result.output
