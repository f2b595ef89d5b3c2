"""Change tracking on real histories: change classes per provision, which clauses are analysed
again, change analyses (offline and Claude through the fake server), recent activity, and the
``clauselens changes`` command."""

from __future__ import annotations

import asyncio
import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from clauselens.analyzers.base import ChangeResult
from clauselens.analyzers.claude import ClaudeAnalyzer
from clauselens.analyzers.offline import OfflineAnalyzer
from clauselens.analyzers.offline.change import offline_change_analysis
from clauselens.cli import main
from clauselens.config import AlignSettings, Settings
from clauselens.pipeline.analyze.work import document_context_for
from clauselens.pipeline.ingest.captures import ingest
from clauselens.pipeline.versions import changes
from clauselens.pipeline.versions.change_analysis import analyze_changes
from clauselens.pipeline.versions.compare import compare_versions
from clauselens.schemas.validate import validate_change_analysis
from clauselens.store import tables as t
from clauselens.store.queries import pending
from clauselens.testing.fake_api import FakeApi
from tests.support.paths import FIXTURES

pytestmark = pytest.mark.stores  # SQLite and PostgreSQL (tests/conftest.py)

HISTORY = FIXTURES / "history"
CHATGPT_V0 = next((FIXTURES / "ota/history/chatgpt/terms-of-service").glob("v0_*.md"))


def manifest_options(folder: Path) -> list[tuple[Path, dict[str, Any]]]:
    """Each file of a fixture folder with the metadata of its (original corpus) manifest line."""
    out = []
    for line in (folder / "manifest.jsonl").read_text("utf-8").splitlines():
        row = json.loads(line)
        options = {
            "entity": row["service"],
            "title": row["terms_type"],
            "terms_type": row["terms_type"],
            "captured_at": datetime.fromisoformat(row["captured_at"]),
            "source_url": row["source_url"],
        }
        out.append((folder / Path(row["file"]).name, options))
    return sorted(out, key=lambda item: item[1]["captured_at"])


def ingest_folder(engine: sa.Engine, settings: Settings, folder: Path) -> list[int]:
    pks = []
    for path, options in manifest_options(folder):
        report = ingest(engine, [path], settings, options)
        assert report.failed == []
        pks.extend(report.new_versions)
    return pks


def ingest_texts(engine: sa.Engine, settings: Settings, tmp: Path, texts: list[str]) -> list[int]:
    pks = []
    for i, text in enumerate(texts):
        path = tmp / f"v{i}.md"
        path.write_text(text, "utf-8")
        options = {
            "entity": "ChatGPT",
            "title": "Terms of Service",
            "terms_type": "Terms of Service",
            "captured_at": datetime(2025, 11, 11, tzinfo=UTC) + timedelta(days=i),
        }
        report = ingest(engine, [path], settings, options)
        assert report.failed == []
        pks.extend(report.new_versions)
    return pks


class CountingChangeAnalyzer(OfflineAnalyzer):
    """The offline change analyzer, counting its calls (a stand-in for model calls)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    async def analyze_change(self, *args: Any, **kwargs: Any) -> ChangeResult:
        self.calls += 1
        return await super().analyze_change(*args, **kwargs)


def analyse(engine: sa.Engine, analyzer: Any, version_pk: int) -> Any:
    with engine.connect() as conn:
        document = document_context_for(conn, version_pk)
    return asyncio.run(analyze_changes(engine, analyzer, version_pk, document=document))


def events(engine: sa.Engine, version_pk: int) -> list[changes.ChangeEvent]:
    with engine.connect() as conn:
        return changes.version_changes(conn, version_pk)


class TestRealPairs:
    def test_link_only_pair_is_all_cosmetic_and_makes_no_model_call(
        self, engine: sa.Engine, settings: Settings
    ) -> None:
        """GitHub's terms, 2021-06-14 → 2021-09-22: only link targets (and anchor-link markup)
        changed, in 60 clauses. Every change is cosmetic; nothing is analysed again."""
        first, second = ingest_folder(engine, settings, HISTORY / "github/terms-of-service")
        found = events(engine, second)
        assert found
        assert {e.change_class for e in found} == {changes.ChangeClass.COSMETIC}
        with engine.connect() as conn:
            assert pending.clauses_needing_analysis(conn, second) == []
            assert len(pending.clauses_needing_analysis(conn, first)) > 50
        counter = CountingChangeAnalyzer()
        assert analyse(engine, counter, second).analysed == 0
        assert counter.calls == 0

    def test_cosmetic_clause_keeps_the_analysis_of_its_origin(
        self, engine: sa.Engine, settings: Settings
    ) -> None:
        first, second = ingest_folder(engine, settings, HISTORY / "github/terms-of-service")
        c = t.clauses
        with engine.connect() as conn:
            clause = conn.execute(
                sa.select(c.c.id, c.c.provision_pk).where(c.c.version_pk == second).limit(1)
            ).one()
            origin = changes.analysis_origin(conn, clause.id)
            origin_row = conn.execute(sa.select(c).where(c.c.id == origin)).one()
        assert origin_row.version_pk == first
        assert origin_row.provision_pk == clause.provision_pk

    def test_tiktok_pair_has_one_substantive_change_the_date_line(
        self, engine: sa.Engine, settings: Settings
    ) -> None:
        """TikTok, 2023-08-07 → 2024-12-28: link targets lost ``?lang=en`` everywhere and the
        "Last updated" date changed. Only the clause with the date is modified."""
        _, second = ingest_folder(engine, settings, HISTORY / "tiktok/terms-of-service")
        found = events(engine, second)
        modified = [e for e in found if e.change_class is changes.ChangeClass.MODIFIED]
        assert len(modified) == 1
        with engine.connect() as conn:
            text = conn.execute(
                sa.select(t.clauses.c.text).where(t.clauses.c.id == modified[0].new_clause_pk)
            ).scalar_one()
            assert "November 2024" in text
            assert pending.clauses_needing_analysis(conn, second) == [modified[0].new_clause_pk]
        assert {e.change_class for e in found} - {changes.ChangeClass.MODIFIED} == {
            changes.ChangeClass.COSMETIC
        }


def moved_and_edited() -> tuple[str, str, str, str]:
    """Real ChatGPT terms (v0), and a derived copy with "Our IP rights" moved after "Our
    commitments to you" and one sentence of "Termination and suspension" edited."""
    text = CHATGPT_V0.read_text("utf-8")
    start = text.index("Our IP rights\n")
    end = text.index("Paid accounts\n")
    section = text[start:end]
    rest = text[:start] + text[end:]
    anchor = rest.index("Dispute resolution\n")
    derived = rest[:anchor] + section + rest[anchor:]
    old = "You can stop using our Services and end your relationship with OpenAI at any time"
    new = "You can stop using our Services at any time, subject to a 30 day notice period"
    assert old in derived
    return text, derived.replace(old, new), "Our IP rights", new


class TestMovedAndEdited:
    def test_moved_section_keeps_its_provision_and_edited_one_is_modified(
        self, engine: sa.Engine, settings: Settings, tmp_path: Path
    ) -> None:
        text, derived, moved_heading, _ = moved_and_edited()
        _, second = ingest_texts(engine, settings, tmp_path, [text, derived])
        found = {e.change_class: e for e in events(engine, second)}
        assert set(found) == {changes.ChangeClass.MOVED, changes.ChangeClass.MODIFIED}
        moved, modified = found[changes.ChangeClass.MOVED], found[changes.ChangeClass.MODIFIED]
        assert moved.heading_path[-1] == moved_heading
        c, p = t.clauses, t.provisions
        with engine.connect() as conn:
            query = sa.select(c.c.id, p.c.provision_id).join(p, p.c.id == c.c.provision_pk)
            ids = {int(r[0]): str(r[1]) for r in conn.execute(query)}
            needing = pending.clauses_needing_analysis(conn, second)
        assert ids[moved.old_clause_pk or 0] == ids[moved.new_clause_pk or 0] == moved.provision_id
        assert modified.heading_path[-1] == "Termination and suspension"
        assert needing == [modified.new_clause_pk]

    def test_edited_provision_gets_a_valid_offline_change_analysis(
        self, engine: sa.Engine, settings: Settings, tmp_path: Path
    ) -> None:
        text, derived, _, new_sentence = moved_and_edited()
        _, second = ingest_texts(engine, settings, tmp_path, [text, derived])
        counter = CountingChangeAnalyzer()
        report = analyse(engine, counter, second)
        assert (report.analysed, report.failed, counter.calls) == (1, [], 1)
        (modified,) = [e for e in events(engine, second) if e.change_analysis is not None]
        assert modified.analyzer == "offline"
        assert modified.severity is not None
        assert modified.change_analysis is not None
        assert modified.change_analysis["what_changed"].startswith("Offline estimate")
        assert any(new_sentence in q for q in modified.change_analysis["evidence_quotes"])
        assert analyse(engine, counter, second).analysed == 0  # idempotent: done rows skipped

    def test_edited_provision_gets_a_claude_change_analysis_from_the_fake_server(
        self,
        engine: sa.Engine,
        settings: Settings,
        claude_settings: Settings,
        fake_api: FakeApi,
        tmp_path: Path,
    ) -> None:
        text, derived, _, _ = moved_and_edited()
        _, second = ingest_texts(engine, settings, tmp_path, [text, derived])

        async def run() -> Any:
            analyzer = ClaudeAnalyzer(claude_settings)
            try:
                with engine.connect() as conn:
                    document = document_context_for(conn, second)
                return await analyze_changes(engine, analyzer, second, document=document)
            finally:
                await analyzer.aclose()

        report = asyncio.run(run())
        assert (report.analysed, report.failed) == (1, [])
        assert len(fake_api.message_bodies()) == 1
        (modified,) = [e for e in events(engine, second) if e.change_analysis is not None]
        assert modified.analyzer == "claude"
        with engine.connect() as conn:
            old_text, new_text = changes.provision_texts(
                conn,
                conn.execute(
                    sa.select(t.changes.c.id).where(t.changes.c.analyzer == "claude")
                ).scalar_one(),
            )
        assert modified.change_analysis is not None
        validate_change_analysis(modified.change_analysis, old_text, new_text)
        # the fake's answer is synthetic, so offline replaces it (a real Claude change analysis
        # it never replaces: tests/test_synthetic.py)
        assert analyse(engine, OfflineAnalyzer(), second).analysed == 1


class TestActivityAndCli:
    @pytest.fixture
    def chatgpt(self, engine: sa.Engine, settings: Settings) -> sa.Engine:
        report = ingest(engine, [FIXTURES / "ota" / "manifest.jsonl"], settings)
        assert report.failed == []
        return engine

    def test_recent_changes_are_newest_first_with_class_and_impact(
        self, chatgpt: sa.Engine
    ) -> None:
        d = t.documents
        with chatgpt.connect() as conn:
            doc_pk = conn.execute(
                sa.select(d.c.id).where(d.c.entity == "ChatGPT", d.c.title == "Terms of Service")
            ).scalar_one()
            recent = changes.recent_changes(conn, document_pk=doc_pk, limit=5)
            summary = changes.document_change_summary(conn, doc_pk)
        assert len(recent) == 5
        assert [e.date for e in recent] == sorted((e.date for e in recent), reverse=True)
        assert all(e.impact and e.provision_id.startswith("CL-P-") for e in recent)
        assert summary.versions == 6
        assert summary.counts["modified"] > 0

    def test_changes_command_shows_substantive_changes_first(self, chatgpt: sa.Engine) -> None:
        result = CliRunner().invoke(
            main, ["--db", str(chatgpt.url), "changes", "chatgpt/terms", "--from", "4", "--to", "5"]
        )
        assert result.exit_code == 0, result.output
        titles = [line for line in result.output.splitlines() if line.startswith("## ")]
        kinds = [line.split(" · ")[1].split(" ")[0] for line in titles]
        substantive = [k in {"modified", "added", "removed"} for k in kinds]
        assert "cosmetic" in kinds
        assert substantive == sorted(substantive, reverse=True)
        assert "--- version 4" in result.output

    def test_changes_json_lists_events_with_texts(self, chatgpt: sa.Engine) -> None:
        result = CliRunner().invoke(
            main, ["--db", str(chatgpt.url), "changes", "ChatGPT/Terms of Service", "--json"]
        )
        assert result.exit_code == 0, result.output
        data = json.loads(result.output)
        assert (data["from_version"]["number"], data["to_version"]["number"]) == (5, 6)
        assert all("old_text" in e and "new_text" in e for e in data["events"])

    def test_comparing_versions_apart_aligns_them_on_the_fly(self, chatgpt: sa.Engine) -> None:
        with chatgpt.connect() as conn:
            far = compare_versions(conn, "chatgpt/terms", "1", "2026-06-29")
        assert (far.from_version.number, far.to_version.number) == (1, 5)
        assert far.counts["modified"] > 0

    def test_versions_apart_are_aligned_with_the_configured_thresholds(
        self, chatgpt: sa.Engine, db_url: str
    ) -> None:
        """``[align]`` in the config file reaches ``changes`` on versions apart: with a
        threshold only identical text meets, fewer provisions are modified and more added."""
        strict = AlignSettings(match_threshold=100, text_floor=100)
        with chatgpt.connect() as conn:
            default = compare_versions(conn, "chatgpt/terms", "1", "5")
            far = compare_versions(conn, "chatgpt/terms", "1", "5", strict)
        assert far.counts["modified"] < default.counts["modified"]
        assert far.counts["added"] > default.counts["added"]
        home = Path(os.environ["CLAUSELENS_HOME"])
        home.mkdir(parents=True, exist_ok=True)
        (home / "config.toml").write_text("[align]\nmatch_threshold = 100\ntext_floor = 100\n")
        args = ["--db", db_url, "changes", "chatgpt/terms", "--from", "1", "--to", "5", "--json"]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["counts"] == far.counts

    def test_unknown_document_is_a_clear_error(self, chatgpt: sa.Engine) -> None:
        result = CliRunner().invoke(main, ["--db", str(chatgpt.url), "changes", "nope"])
        assert result.exit_code != 0
        assert "no document matches" in result.output


class TestOfflineChangeEstimate:
    """The offline estimate says only what the diff shows, and that it is an estimate."""

    CHANGE = (
        "OpenAI may change or remove {name} at any time for any reason without prior notice{end}"
    )

    def test_a_renamed_product_and_punctuation_are_low_with_no_category(self) -> None:
        old = self.CHANGE.format(name="Connectors", end=".")
        new = self.CHANGE.format(name="Apps", end=";")
        analysis = offline_change_analysis(old, new)
        assert analysis.severity == "low"
        assert analysis.what_changed.startswith("Offline estimate")
        assert "No unfair-term category appears or disappears" in analysis.what_changed
        assert "“Connectors” became “Apps”" in analysis.what_changed
        assert "estimate" in analysis.consumer_impact

    def test_an_added_termination_sentence_is_high_and_quotes_it(self) -> None:
        old = "You agree to these Terms."
        added = "We may terminate your account at any time for any reason without notice."
        analysis = offline_change_analysis(old, f"{old} {added}")
        assert analysis.severity == "high"
        assert analysis.direction == "less_protective"
        assert f"unilateral termination (“{added}”)" in analysis.what_changed
        assert analysis.evidence_quotes == [added]

    def test_a_removed_category_is_reported_as_disappearing(self) -> None:
        removed = "We may terminate your account at any time for any reason without notice."
        analysis = offline_change_analysis(f"You agree. {removed}", "You agree.")
        assert "Categories that disappear: unilateral termination" in analysis.what_changed
        assert analysis.direction == "more_protective"

    def test_a_sentence_boundary_moved_by_bold_markup_shows_no_category(self) -> None:
        """Found in ChatGPT's terms: ``(d) **Removal**. We may ...`` became ``(d) **Removal.**
        We may ...`` in a split section; the same words must not read as a new termination."""
        removal = (
            "We may reject or remove any GPT from our Services at any time for any reason "
            "without notice to you."
        )
        old = f"Users can create GPTs.\n\n(d) **Removal**. {removal}"
        new = f"### For Builders of GPTs:\n\n(d) **Removal.** {removal}"
        analysis = offline_change_analysis(old, new)
        assert analysis.severity == "low"
        assert "No unfair-term category appears or disappears" in analysis.what_changed
