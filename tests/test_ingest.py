"""Ingestion: manifests and paths, versions by captured_at, one transaction per capture."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from clauselens.cli import main
from clauselens.config import Settings, load_settings
from clauselens.pipeline.ingest.captures import document_id_for, ingest, list_documents
from clauselens.store import open_store
from clauselens.store import tables as t
from clauselens.store.queries import latest_version
from tests.support.paths import FIXTURES

MANIFEST = FIXTURES / "ota" / "manifest.jsonl"
HISTORY = FIXTURES / "ota" / "history" / "chatgpt" / "terms-of-service"


def snapshot(engine: sa.Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, to compare store states."""
    with engine.connect() as conn:
        return {
            table.name: [tuple(r) for r in conn.execute(sa.select(table)).all()]
            for table in t.metadata.sorted_tables
        }


def manifest_rows() -> list[dict[str, str]]:
    return [json.loads(line) for line in MANIFEST.read_text().splitlines() if line.strip()]


class TestManifest:
    def test_every_manifest_file_is_ingested_without_error(
        self, engine: sa.Engine, settings: Settings
    ) -> None:
        report = ingest(engine, [MANIFEST], settings)
        assert report.failed == []
        assert len(report.outcomes) == len(manifest_rows())

    def test_one_document_per_service_and_terms_type(
        self, engine: sa.Engine, settings: Settings
    ) -> None:
        ingest(engine, [MANIFEST], settings)
        expected = {(r["service"], r["terms_type"]) for r in manifest_rows()}
        docs = list_documents(engine)
        assert {(d.entity, d.title) for d in docs} == expected
        assert all(d.document_id == document_id_for(d.entity, d.title) for d in docs)

    def test_history_versions_are_ordered_by_captured_at(
        self, engine: sa.Engine, settings: Settings
    ) -> None:
        ingest(engine, [MANIFEST], settings)
        doc_id = document_id_for("ChatGPT", "Terms of Service")
        with engine.connect() as conn:
            times = (
                conn.execute(
                    sa.select(t.versions.c.captured_at)
                    .join(t.documents, t.documents.c.id == t.versions.c.document_pk)
                    .where(t.documents.c.document_id == doc_id)
                    .order_by(t.versions.c.captured_at)
                )
                .scalars()
                .all()
            )
        captured = sorted(
            r["captured_at"]
            for r in manifest_rows()
            if (r["service"], r["terms_type"]) == ("ChatGPT", "Terms of Service")
        )
        # every capture of this document has a distinct text, so each is a version
        assert [x.isoformat() for x in times] == captured
        assert len(times) == 6

    def test_ingesting_again_adds_nothing(self, engine: sa.Engine, settings: Settings) -> None:
        ingest(engine, [MANIFEST], settings)
        before = snapshot(engine)
        report = ingest(engine, [MANIFEST], settings)
        assert {o.outcome for o in report.outcomes} == {"already_ingested"}
        assert snapshot(engine) == before


class TestVersions:
    def history_files(self) -> list[Path]:
        return sorted(HISTORY.glob("v*.md"))

    def test_arrival_order_does_not_change_the_versions(self, tmp_path: Path) -> None:
        texts = []
        for order in (self.history_files(), list(reversed(self.history_files()))):
            url = f"sqlite:///{tmp_path / f'store{len(texts)}.db'}"
            engine = open_store(url)
            settings = load_settings({"db_url": url})
            for path in order:
                assert not ingest(engine, [path], settings).failed
            with engine.connect() as conn:
                texts.append(
                    conn.execute(
                        sa.select(t.versions.c.captured_at, t.versions.c.text_sha256).order_by(
                            t.versions.c.captured_at
                        )
                    ).all()
                )
            engine.dispose()
        assert texts[0] == texts[1]
        assert len(texts[0]) == len(self.history_files())

    def test_same_text_captured_later_moves_only_last_verified(
        self, engine: sa.Engine, settings: Settings, tmp_path: Path
    ) -> None:
        src = self.history_files()[0]
        options = {"entity": "ChatGPT", "title": "Terms of Service"}
        ingest(engine, [src], settings, {**options, "captured_at": "2025-01-01T00:00:00Z"})
        copy = tmp_path / "same.md"
        shutil.copyfile(src, copy)
        report = ingest(
            engine, [copy], settings, {**options, "captured_at": "2025-02-01T00:00:00Z"}
        )
        assert [o.outcome for o in report.outcomes] == ["unchanged"]
        (doc,) = list_documents(engine)
        assert doc.versions == 1
        assert doc.captures == 2
        assert doc.first_tracked.isoformat() == "2025-01-01T00:00:00+00:00"
        assert doc.last_verified.isoformat() == "2025-02-01T00:00:00+00:00"

    def test_a_late_capture_between_two_of_the_same_text_is_in_force_only_in_between(
        self, engine: sa.Engine, settings: Settings, tmp_path: Path
    ) -> None:
        """A on day 1, A again on day 3 (no new version), then B, captured on day 2, arrives:
        the versions are A, B, A, and the text in force now is A's."""
        a, b = self.history_files()[:2]
        options = {"entity": "ChatGPT", "title": "Terms of Service"}
        for path, day in ((a, "01"), (a, "03"), (b, "02")):
            copy = tmp_path / f"day{day}.md"
            shutil.copyfile(path, copy)
            report = ingest(
                engine, [copy], settings, {**options, "captured_at": f"2025-01-{day}T00:00:00Z"}
            )
            assert not report.failed
        v = t.versions.c
        with engine.connect() as conn:
            rows = conn.execute(sa.select(v.captured_at, v.text_sha256).order_by(v.captured_at))
            days = [(at.day, sha) for at, sha in rows]
            doc_pk = conn.execute(sa.select(t.documents.c.id)).scalar_one()
            latest = latest_version(conn, doc_pk)
            assert latest is not None
            latest_sha = latest.text_sha256
            clauses_of_latest = conn.execute(
                sa.select(sa.func.count()).where(t.clauses.c.version_pk == latest.pk)
            ).scalar_one()
        sha_a, sha_b = days[0][1], days[1][1]
        assert sha_a != sha_b
        assert days == [(1, sha_a), (2, sha_b), (3, sha_a)]
        assert latest_sha == sha_a
        assert clauses_of_latest > 0
        (doc,) = list_documents(engine)
        assert (doc.versions, doc.captures) == (3, 3)
        assert doc.last_verified.isoformat() == "2025-01-03T00:00:00+00:00"

    def test_metadata_is_inferred_from_a_history_path(
        self, engine: sa.Engine, settings: Settings
    ) -> None:
        path = self.history_files()[0]
        ingest(engine, [path], settings)
        (doc,) = list_documents(engine)
        assert (doc.entity, doc.title) == ("Chatgpt", "Terms of Service")
        assert doc.first_tracked.isoformat() == "2025-11-11T15:19:43+00:00"


BAD_INPUTS = {
    "empty.md": b"",
    "binary.md": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
    "latin1.md": "# Conditions\n\nLes données personnelles sont protégées.\n".encode("latin-1"),
}


class TestBadInput:
    @pytest.mark.parametrize("name", sorted(BAD_INPUTS))
    def test_bad_file_is_reported_and_the_store_is_unchanged(
        self, name: str, tmp_path: Path, engine: sa.Engine, settings: Settings
    ) -> None:
        ingest(engine, [HISTORY / sorted(p.name for p in HISTORY.glob("v*.md"))[0]], settings)
        before = snapshot(engine)
        bad = tmp_path / name
        bad.write_bytes(BAD_INPUTS[name])
        report = ingest(engine, [bad], settings, {"entity": "X", "title": "Terms"})
        (outcome,) = report.outcomes
        assert outcome.outcome == "failed"
        assert outcome.message
        assert snapshot(engine) == before

    @pytest.mark.parametrize(
        ("name", "message"),
        [("empty.md", "empty file"), ("binary.md", "binary"), ("latin1.md", "not valid UTF-8")],
    )
    def test_cli_prints_the_reason_and_exits_1(
        self, name: str, message: str, tmp_path: Path, db_url: str
    ) -> None:
        bad = tmp_path / name
        bad.write_bytes(BAD_INPUTS[name])
        result = CliRunner().invoke(main, ["--db", db_url, "ingest", str(bad)])
        assert result.exit_code == 1
        assert message in result.output
        assert str(bad) in result.output

    def test_a_50_mb_file_is_refused_before_it_is_read(
        self, tmp_path: Path, engine: sa.Engine, settings: Settings
    ) -> None:
        big = tmp_path / "huge.md"
        with big.open("wb") as fh:
            line = b"The provider may change these terms at any time without notice. " * 16 + b"\n"
            for _ in range((50 * 1024 * 1024) // len(line) + 1):
                fh.write(line)
        assert big.stat().st_size >= 50 * 1024 * 1024
        before = snapshot(engine)
        tracemalloc.start()
        report = ingest(engine, [big], settings, {"entity": "X", "title": "Huge"})
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        (outcome,) = report.outcomes
        assert outcome.outcome == "failed"
        assert "over the capture limit" in outcome.message
        assert peak < 5 * 1024 * 1024
        assert snapshot(engine) == before

    def test_bad_files_do_not_stop_the_good_ones(
        self, tmp_path: Path, engine: sa.Engine, settings: Settings
    ) -> None:
        folder = tmp_path / "captures" / "acme"
        folder.mkdir(parents=True)
        (folder / "empty.md").write_bytes(b"")
        shutil.copyfile(self_first_history(), folder / "terms-of-service.md")
        report = ingest(engine, [tmp_path / "captures"], settings)
        assert sorted(o.outcome for o in report.outcomes) == ["failed", "new_version"]
        assert [d.title for d in list_documents(engine)] == ["Terms of Service"]

    def test_a_bad_manifest_row_is_reported_and_the_rest_go_in(
        self, tmp_path: Path, engine: sa.Engine, settings: Settings
    ) -> None:
        shutil.copyfile(self_first_history(), tmp_path / "good.md")
        manifest = tmp_path / "manifest.jsonl"
        rows = [
            {
                "service": "Acme",
                "terms_type": "Terms",
                "file": "good.md",
                "captured_at": "2024-01-01T00:00:00Z",
            },
            {"service": "Acme", "terms_type": "Privacy", "file": "missing.md"},
            "not an object",
        ]
        manifest.write_text("\n".join(json.dumps(r) for r in rows) + "\n{broken\n")
        report = ingest(engine, [manifest], settings)
        outcomes = [o.outcome for o in report.outcomes]
        assert outcomes == ["new_version", "failed", "failed", "failed"]
        assert "file not found" in report.outcomes[1].message


def ingest_as_a_user_sees_it(db_url: str, *paths: Path) -> str:
    """``clauselens ingest`` in its own process: stdout and stderr (log lines included) as a
    terminal would show them, one after the other."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    cmd = [sys.executable, "-m", "clauselens", "--db", db_url, "ingest", *map(str, paths)]
    done = subprocess.run(cmd, check=False, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    return done.stdout + done.stderr


class TestEachErrorOnce:
    """Issue 16.14: ``ingest`` printed each failed capture twice (a log warning, the report)."""

    def test_a_binary_file_in_a_folder_is_reported_once(self, tmp_path: Path, db_url: str) -> None:
        folder = tmp_path / "captures"
        folder.mkdir()
        (folder / "binary.md").write_bytes(BAD_INPUTS["binary.md"])
        shutil.copyfile(self_first_history(), folder / "terms.md")
        shown = ingest_as_a_user_sees_it(db_url, folder)
        assert shown.count("binary content") == 1, shown
        assert "ingested 1 of 2 capture(s)" in shown

    def test_each_bad_manifest_row_is_reported_once(self, tmp_path: Path, db_url: str) -> None:
        folder = tmp_path / "captures"
        folder.mkdir()
        (folder / "binary.md").write_bytes(BAD_INPUTS["binary.md"])
        shutil.copyfile(self_first_history(), tmp_path / "outside.md")
        rows = [
            {"service": "Acme", "terms_type": "Terms", "file": "binary.md"},
            {"service": "Acme", "terms_type": "Privacy", "file": "missing.md"},
            {"service": "Acme", "terms_type": "Other", "file": "../outside.md"},
        ]
        manifest = folder / "manifest.jsonl"
        manifest.write_text("\n".join(json.dumps(r) for r in rows) + "\n{broken\n")
        shown = ingest_as_a_user_sees_it(db_url, manifest)
        for message in ("binary content", "file not found", "outside the manifest", "not JSON"):
            assert shown.count(message) == 1, (message, shown)
        assert "ingested 0 of 4 capture(s)" in shown


def self_first_history() -> Path:
    return sorted(HISTORY.glob("v*.md"))[0]


class TestDocumentsCommand:
    def test_documents_json_lists_versions_and_dates(self, db_url: str) -> None:
        runner = CliRunner()
        assert runner.invoke(main, ["--db", db_url, "ingest", str(MANIFEST)]).exit_code == 0
        result = runner.invoke(main, ["--db", db_url, "documents", "--json"])
        assert result.exit_code == 0
        docs = json.loads(result.output)
        chatgpt = next(d for d in docs if d["entity"] == "ChatGPT" and "Terms" in d["title"])
        assert chatgpt["versions"] >= 5
        assert chatgpt["first_tracked"].startswith("2025-11-11")
        assert len(chatgpt["latest_content_sha256"]) == 64
