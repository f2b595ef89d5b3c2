"""The Python API: ``clauselens.arun`` in a running event loop (a notebook), ``run`` refusing
one before any side effect, the names reachable from ``clauselens``, and the analyzer default
taken from the settings."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

import clauselens
from clauselens.cli import main
from clauselens.config import Settings
from clauselens.errors import UsageError
from clauselens.store import tables as t
from tests.support.keys import FAKE_API_KEY
from tests.support.paths import FIXTURES

AUP = FIXTURES / "ota" / "current" / "claude-ai" / "acceptable-use-policy.md"
META = {"entity": "Claude.ai", "title": "Usage Policy"}
CLI_META = ["--entity", "Claude.ai", "--title", "Usage Policy"]


def rows(engine: sa.Engine) -> int:
    """Rows in every table of the store."""
    with engine.connect() as conn:
        return sum(
            conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            for table in t.metadata.sorted_tables
        )


class TestInsideAnEventLoop:
    def test_arun_works_inside_a_running_loop(self, engine: sa.Engine, settings: Settings) -> None:
        """``await clauselens.arun(...)`` runs the main job and returns a typed summary."""

        async def notebook_cell() -> clauselens.RunSummary:
            options = clauselens.RunOptions(analyzer="offline")
            return await clauselens.arun(engine, [AUP], settings, options, ingest_options=META)

        summary = asyncio.run(notebook_cell())
        assert isinstance(summary, clauselens.RunSummary)
        assert summary.status == "succeeded"
        assert summary.counts["analysed"] == summary.counts["to_analyse"] > 0
        (record,) = clauselens.list_runs(engine)
        assert record.id == summary.run_id
        assert record.status == "succeeded"

    def test_run_inside_a_running_loop_raises_before_any_side_effect(
        self, engine: sa.Engine, settings: Settings
    ) -> None:
        """No capture ingested, no run record opened: the error names ``arun``."""
        before = rows(engine)

        async def notebook_cell() -> None:
            options = clauselens.RunOptions(analyzer="offline")
            clauselens.run(engine, [AUP], settings, options, ingest_options=META)

        with pytest.raises(UsageError, match=r"await clauselens\.arun"):
            asyncio.run(notebook_cell())
        assert rows(engine) == before
        assert clauselens.list_runs(engine) == []

    @pytest.mark.parametrize(
        ("name", "async_name"),
        [("analyze_document", "aanalyze_document"), ("resume_run", "aresume_run")],
    )
    def test_the_other_sync_entry_points_refuse_a_running_loop(
        self, name: str, async_name: str, engine: sa.Engine, settings: Settings
    ) -> None:
        before = rows(engine)

        async def notebook_cell() -> None:
            if name == "analyze_document":
                options = clauselens.RunOptions(analyzer="offline")
                clauselens.analyze_document(engine, str(AUP), settings, options)
            else:
                clauselens.resume_run(engine, "run-unknown", settings)

        with pytest.raises(UsageError, match=rf"await clauselens\.{async_name}"):
            asyncio.run(notebook_cell())
        assert rows(engine) == before


def test_every_public_name_resolves() -> None:
    """Each name in ``clauselens.__all__`` loads (review, changes, similar, estimate included)."""
    for name in clauselens.__all__:
        assert getattr(clauselens, name) is not None
    for name in ("arun", "analyze_document", "list_queue", "approve", "edit", "reject"):
        assert name in clauselens.__all__
    for name in ("recent_changes", "similar_provisions", "unique_provisions", "dry_run"):
        assert name in clauselens.__all__


class TestAnalyzerSetting:
    def test_clauselens_analyzer_is_the_default_of_the_option(
        self, db_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """With a key set, ``auto`` would pick Claude; CLAUSELENS_ANALYZER=offline wins."""
        monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_API_KEY)
        monkeypatch.setenv("CLAUSELENS_ANALYZER", "offline")
        result = CliRunner().invoke(main, ["--db", db_url, "run", str(AUP), *CLI_META])
        assert result.exit_code == 0, result.output
        assert "analyzer: offline" in result.output

    def test_the_config_file_analyzer_is_the_default_without_the_variable(
        self, db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
    ) -> None:
        monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_API_KEY)
        monkeypatch.delenv("CLAUSELENS_ANALYZER", raising=False)
        home = tmp_path / "home"
        home.mkdir(exist_ok=True)
        (home / "config.toml").write_text('analyzer = "offline"\n', "utf-8")
        result = CliRunner().invoke(main, ["--db", db_url, "run", str(AUP), *CLI_META])
        assert result.exit_code == 0, result.output
        assert "analyzer: offline" in result.output

    def test_an_explicit_analyzer_wins_over_the_variable(
        self, db_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """CLAUSELENS_ANALYZER=claude without a key would be an error; --analyzer offline runs."""
        monkeypatch.setenv("CLAUSELENS_ANALYZER", "claude")
        refused = CliRunner().invoke(main, ["--db", db_url, "run", str(AUP), *CLI_META])
        assert refused.exit_code == 2
        assert "needs ANTHROPIC_API_KEY" in refused.output
        args = ["--db", db_url, "run", "--analyzer", "offline", str(AUP), *CLI_META]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        assert "analyzer: offline" in result.output

    def test_the_library_reads_it_too(
        self, engine: sa.Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """``RunOptions()`` leaves the choice to ``Settings.analyzer``."""
        monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_API_KEY)
        offline = settings.model_copy(update={"analyzer": "offline"})
        summary = clauselens.run(
            engine, [AUP], offline, clauselens.RunOptions(), ingest_options=META
        )
        assert summary.analyzer == "offline"


def test_a_library_run_then_place_uniqueness_orders_the_queue_as_the_cli_does(
    engine: sa.Engine, settings: Settings
) -> None:
    """``clauselens.run`` leaves uniqueness "not compared"; ``place_uniqueness`` stores it."""
    folders = [FIXTURES / "ota" / "current" / name for name in ("claude-ai", "chatgpt")]
    summary = clauselens.run(engine, folders, settings, clauselens.RunOptions(analyzer="offline"))
    assert summary.status == "succeeded"
    queue = clauselens.list_queue(engine, clauselens.QueueFilter())
    assert queue
    assert all(item.similar_platforms is None for item in queue)
    placed = clauselens.place_uniqueness(engine)
    assert isinstance(placed, clauselens.UniquenessReport)
    assert placed.platforms == 2
    assert placed.provisions > 0
    queue = clauselens.list_queue(engine, clauselens.QueueFilter())
    assert any(item.similar_platforms is not None for item in queue)
