"""What a capture is and where its time comes from (issue 16, point 9): a file whose bytes are
a tracked capture's is recognised by ``analyze``, and a ``captured_at`` that falls back to the
file's modification time is announced and recorded as such."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from clauselens.cli import main
from clauselens.config import Settings
from clauselens.export import iter_records
from clauselens.pipeline.ingest.captures import ingest
from clauselens.pipeline.runs.run import RunOptions, run
from clauselens.store import tables as t
from clauselens.testing.fake_api import FakeApi
from tests.support.paths import FIXTURES

AUP = FIXTURES / "ota" / "current" / "claude-ai" / "acceptable-use-policy.md"
HISTORY = FIXTURES / "ota" / "history" / "chatgpt" / "terms-of-service"
META = ["--entity", "Claude.ai", "--title", "Usage Policy"]


def documents(engine: sa.Engine) -> list[tuple[str, str]]:
    d = t.documents.c
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(d.entity, d.title).order_by(d.id))]


def sources(engine: sa.Engine) -> list[str | None]:
    c = t.captures.c
    with engine.connect() as conn:
        return list(conn.execute(sa.select(c.captured_at_source).order_by(c.id)).scalars())


@pytest.fixture
def claude_env(fake_api: FakeApi, api_key: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_api.base_url)
    return api_key


class TestTrackedFile:
    def test_a_copy_under_another_name_is_recognised_not_tracked_again(
        self, claude_env: str, db_url: str, engine: sa.Engine, tmp_path: Path, fake_api: FakeApi
    ) -> None:
        runner = CliRunner()
        first = runner.invoke(main, ["--db", db_url, "analyze", str(AUP), *META])
        assert first.exit_code == 0, first.output
        sent = len(fake_api.message_bodies())
        copy = tmp_path / "claude" / "aup-copy.md"
        copy.parent.mkdir()
        shutil.copyfile(AUP, copy)
        again = runner.invoke(main, ["--db", db_url, "analyze", str(copy), "--json"])
        assert again.exit_code == 0, again.output
        assert "same bytes" in again.stderr
        assert "Claude.ai / Usage Policy" in again.stderr
        assert documents(engine) == [("Claude.ai", "Usage Policy")]
        assert len(json.loads(again.stdout)) > 0
        assert len(fake_api.message_bodies()) == sent  # its clauses were analysed already

    def test_naming_the_document_tracks_the_copy_as_asked(
        self, claude_env: str, db_url: str, engine: sa.Engine, tmp_path: Path
    ) -> None:
        runner = CliRunner()
        assert runner.invoke(main, ["--db", db_url, "analyze", str(AUP), *META]).exit_code == 0
        copy = tmp_path / "aup-mirror.md"
        shutil.copyfile(AUP, copy)
        named = ["--entity", "Mirror", "--title", "Copy of the Usage Policy"]
        again = runner.invoke(main, ["--db", db_url, "analyze", str(copy), *named])
        assert again.exit_code == 0, again.output
        assert "same bytes" not in again.output
        assert documents(engine) == [
            ("Claude.ai", "Usage Policy"),
            ("Mirror", "Copy of the Usage Policy"),
        ]


class TestCapturedAtSource:
    def test_each_source_is_recorded_with_the_capture(
        self, engine: sa.Engine, settings: Settings, tmp_path: Path
    ) -> None:
        """A manifest's time, an option, a history file name, and the file's modification
        time, each kept with its capture."""
        folder = tmp_path / "acme"
        folder.mkdir()
        texts = [f"# Terms {n}\n\nYou agree to rule {n} of this service.\n" for n in range(5)]
        files = [folder / f"terms-{n}.md" for n in range(5)]
        for path, text in zip(files, texts, strict=True):
            path.write_text(text, "utf-8")
        rows = [
            {"file": files[0].name, "entity": "Acme", "title": "T0", "captured_at": "2025-01-01"},
            {"file": files[1].name, "entity": "Acme", "title": "T1"},
        ]
        manifest = folder / "manifest.jsonl"
        manifest.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
        ingest(engine, [manifest], settings)
        ingest(engine, [files[2]], settings, {"captured_at": "2025-03-01T00:00:00Z"})
        ingest(engine, [sorted(HISTORY.glob("v*.md"))[0]], settings)
        ingest(engine, [files[4]], settings)
        assert sources(engine) == ["manifest", "file_mtime", "option", "file_name", "file_mtime"]

    def test_a_modification_time_fallback_is_announced(
        self, engine: sa.Engine, settings: Settings, caplog: pytest.LogCaptureFixture
    ) -> None:
        with caplog.at_level(logging.WARNING, logger="clauselens"):
            ingest(engine, [AUP], settings, {"entity": "Claude.ai", "title": "Usage Policy"})
        (warning,) = [r for r in caplog.records if "modification time" in r.getMessage()]
        assert warning.levelno == logging.WARNING
        assert str(AUP) in warning.getMessage()
        assert "file_mtime" in warning.getMessage()

    def test_a_time_given_is_not_announced(
        self, engine: sa.Engine, settings: Settings, caplog: pytest.LogCaptureFixture
    ) -> None:
        options = {"entity": "C", "title": "U", "captured_at": "2025-01-01T00:00:00Z"}
        with caplog.at_level(logging.WARNING, logger="clauselens"):
            ingest(engine, [AUP], settings, options)
        assert not [r for r in caplog.records if "modification time" in r.getMessage()]

    def test_the_export_record_says_where_its_capture_time_came_from(
        self, engine: sa.Engine, settings: Settings
    ) -> None:
        options = RunOptions(analyzer="offline")
        run(engine, [AUP], settings, options, ingest_options={"entity": "C", "title": "U"})
        record = next(iter(iter_records(engine, cross_platform=False)))
        assert record.provenance.captured_at_source == "file_mtime"
