"""``clauselens sync``: versions repositories made by the tests, and a sample of the real one."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from clauselens.cli import main
from clauselens.config import Settings
from clauselens.errors import HistoryRewrittenError, SyncError, UsageError
from clauselens.export.changes import ChangeFilters, published_changes
from clauselens.pipeline.ingest.ota.sync import SyncOptions, sync
from clauselens.pipeline.versions.change_analysis import _jobs
from clauselens.store import tables as t
from clauselens.store.queries.pending import clauses_needing_analysis
from tests.support.versions_repo import SAMPLE_BUNDLE, VersionsRepo, git, policy

REMOTE = "https://github.com/OpenTermsArchive/demo-versions.git"
V1 = policy(
    "You may use the service for lawful purposes only and must follow these terms.",
    "We may suspend accounts that break these terms after giving notice by email.",
    "Disputes are settled by the courts of Paris under French law.",
)
V2 = policy(
    "You may use the service for lawful purposes only and must follow these terms.",
    "We may terminate any account at any time without notice and without giving a reason.",
    "Disputes are settled by the courts of Paris under French law.",
)


@pytest.fixture
def repo(tmp_path: Path) -> VersionsRepo:
    r = VersionsRepo(tmp_path / "demo-versions", REMOTE)
    r.commit("Initial commit", "2025-01-01T09:00:00Z", {"README.md": "# Demo versions\n"})
    r.record("Acme", "Terms of Service", V1, "2025-01-02T10:00:00Z", "first")
    r.record(
        "Acme",
        "Privacy Policy",
        policy("We collect your email address."),
        "2025-01-02T10:05:00Z",
        "first",
    )
    r.record("Acme", "Terms of Service", V2, "2025-02-01T10:00:00Z", "change")
    return r


def _captures(engine: sa.Engine) -> list[sa.Row[tuple[object, ...]]]:
    c, d = t.captures, t.documents
    with engine.connect() as conn:
        return list(
            conn.execute(
                sa.select(d.c.entity, d.c.title, c.c.captured_at, c.c.archive_url, c.c.provenance)
                .join(d, d.c.id == c.c.document_pk)
                .order_by(c.c.captured_at)
            )
        )


def _count(engine: sa.Engine, table: sa.Table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one())


class TestFirstSync:
    def test_every_version_is_ingested_in_history_order_with_its_metadata(
        self, engine: sa.Engine, settings: Settings, repo: VersionsRepo
    ) -> None:
        report = sync(engine, repo.path, settings)
        rows = _captures(engine)
        assert [(r.entity, r.title) for r in rows] == [
            ("Acme", "Terms of Service"),
            ("Acme", "Privacy Policy"),
            ("Acme", "Terms of Service"),
        ]
        assert rows[2].captured_at.isoformat() == "2025-02-01T10:00:00+00:00"
        assert report.commits == 4
        assert report.outcomes["new_version"] == 3

    def test_archive_url_and_provenance_name_the_commit_and_its_snapshot(
        self, engine: sa.Engine, settings: Settings, repo: VersionsRepo
    ) -> None:
        sync(engine, repo.path, settings)
        head = git(repo.path, "rev-parse", "HEAD")
        last = _captures(engine)[-1]
        assert last.archive_url == (
            f"https://github.com/OpenTermsArchive/demo-versions/blob/{head}/Acme/Terms%20of%20Service.md"
        )
        assert isinstance(last.provenance, dict)
        assert last.provenance["commit"] == head
        assert last.provenance["record"] == "change"
        assert last.provenance["snapshots"] == [
            "https://github.com/OpenTermsArchive/demo-snapshots/commit/" + "0" * 40
        ]

    def test_a_clone_of_a_non_github_remote_gets_no_archive_url(
        self, engine: sa.Engine, settings: Settings, tmp_path: Path
    ) -> None:
        r = VersionsRepo(tmp_path / "local", "/srv/git/demo-versions")
        r.record("Acme", "Terms of Service", V1, "2025-01-02T10:00:00Z", "first")
        report = sync(engine, r.path, settings)
        assert not report.archive_urls
        assert _captures(engine)[0].archive_url is None


class TestIncremental:
    def test_a_second_sync_with_nothing_new_reads_no_commit(
        self, engine: sa.Engine, settings: Settings, repo: VersionsRepo
    ) -> None:
        sync(engine, repo.path, settings)
        again = sync(engine, repo.path, settings)
        assert again.nothing_new
        assert again.commits == 0
        assert _count(engine, t.captures) == 3

    def test_a_later_sync_reads_only_the_new_commits(
        self, engine: sa.Engine, settings: Settings, repo: VersionsRepo
    ) -> None:
        sync(engine, repo.path, settings)
        repo.record("Acme", "Terms of Service", V1, "2025-03-01T10:00:00Z", "change")
        later = sync(engine, repo.path, settings)
        assert later.commits == 1
        assert later.outcomes["new_version"] == 1
        assert _count(engine, t.captures) == 4

    def test_a_rewritten_history_is_reported_and_nothing_is_ingested(
        self, engine: sa.Engine, settings: Settings, repo: VersionsRepo
    ) -> None:
        sync(engine, repo.path, settings)
        git(repo.path, "reset", "-q", "--hard", "HEAD~1")
        repo.record(
            "Acme", "Terms of Service", V2 + "\nRewritten.\n", "2025-02-02T10:00:00Z", "change"
        )
        with pytest.raises(HistoryRewrittenError):
            sync(engine, repo.path, settings)
        assert _count(engine, t.captures) == 3

    def test_since_a_commit_reads_the_commits_after_it(
        self, engine: sa.Engine, settings: Settings, repo: VersionsRepo
    ) -> None:
        second = git(repo.path, "rev-parse", "HEAD~1")
        report = sync(engine, repo.path, settings, SyncOptions(since=second))
        assert report.commits == 1
        assert [r.title for r in _captures(engine)] == ["Terms of Service"]

    def test_since_a_date_reads_the_commits_from_then_on(
        self, engine: sa.Engine, settings: Settings, repo: VersionsRepo
    ) -> None:
        report = sync(engine, repo.path, settings, SyncOptions(since="2025-01-02T10:01:00Z"))
        assert report.commits == 2
        assert [r.title for r in _captures(engine)] == ["Privacy Policy", "Terms of Service"]

    def test_since_neither_a_commit_nor_a_date_is_a_usage_error(
        self, engine: sa.Engine, settings: Settings, repo: VersionsRepo
    ) -> None:
        with pytest.raises(UsageError):
            sync(engine, repo.path, settings, SyncOptions(since="last tuesday"))

    def test_a_filtered_sync_does_not_hide_other_documents_from_a_full_one(
        self, engine: sa.Engine, settings: Settings, repo: VersionsRepo
    ) -> None:
        sync(engine, repo.path, settings, SyncOptions(terms_types=("Privacy Policy",)))
        assert [r.title for r in _captures(engine)] == ["Privacy Policy"]
        full = sync(engine, repo.path, settings)
        assert full.outcomes["new_version"] == 2
        assert full.outcomes["already_ingested"] == 1


class TestTechnicalUpgrades:
    def test_a_technical_upgrade_is_a_version_whose_changes_are_cosmetic(
        self, engine: sa.Engine, settings: Settings, repo: VersionsRepo
    ) -> None:
        reworded = V2.replace("without giving a reason", "without giving any reason at all")
        repo.record("Acme", "Terms of Service", reworded, "2025-03-01T10:00:00Z", "technical")
        report = sync(engine, repo.path, settings)
        assert report.technical == 1
        ch = t.changes.c
        with engine.connect() as conn:
            last = conn.execute(sa.select(sa.func.max(t.versions.c.id))).scalar_one()
            rows = conn.execute(
                sa.select(ch.change_class, ch.relation).where(ch.to_version_pk == last)
            ).all()
            assert [tuple(r) for r in rows] == [("cosmetic", "technical")]
            assert clauses_needing_analysis(conn, last) == []
            assert _jobs(conn, "offline", last, redo=False) == ([], 0)

    @pytest.mark.parametrize(("kind", "published"), [("technical", 0), ("change", 1)])
    def test_a_section_a_technical_upgrade_adds_is_not_published_as_a_change(
        self, engine: sa.Engine, settings: Settings, repo: VersionsRepo, kind: str, published: int
    ) -> None:
        extra = "Refunds are issued within fourteen days of a written request by email."
        grown = V2 + f"\n## Section 4\n\n{extra}\n"
        repo.record("Acme", "Terms of Service", grown, "2025-03-01T10:00:00Z", kind)
        sync(engine, repo.path, settings)
        with engine.connect() as conn:
            last = conn.execute(sa.select(sa.func.max(t.versions.c.id))).scalar_one()
            added = conn.execute(
                sa.select(t.changes.c.relation).where(
                    t.changes.c.to_version_pk == last, t.changes.c.change_class == "added"
                )
            ).all()
            assert len(added) == 1
            entries, _ = published_changes(conn, ChangeFilters.of(), limit=50)
            assert sum(e.change_class == "added" for e in entries) == published

    def test_an_ordinary_change_of_the_same_words_is_substantive(
        self, engine: sa.Engine, settings: Settings, repo: VersionsRepo
    ) -> None:
        reworded = V2.replace("without giving a reason", "without giving any reason at all")
        repo.record("Acme", "Terms of Service", reworded, "2025-03-01T10:00:00Z", "change")
        sync(engine, repo.path, settings)
        ch = t.changes.c
        with engine.connect() as conn:
            last = conn.execute(sa.select(sa.func.max(t.versions.c.id))).scalar_one()
            classes = conn.execute(sa.select(ch.change_class).where(ch.to_version_pk == last))
            assert list(classes.scalars()) == ["modified"]


class TestBadInput:
    def test_a_folder_that_is_not_a_git_repository_is_refused(
        self, db_url: str, tmp_path: Path, engine: sa.Engine
    ) -> None:
        folder = tmp_path / "plain"
        folder.mkdir()
        result = CliRunner().invoke(main, ["--db", db_url, "sync", str(folder)])
        assert result.exit_code == 1
        assert "not a git repository" in result.output
        assert _count(engine, t.sync_state) == 0

    def test_a_repository_without_versions_is_refused_and_nothing_is_stored(
        self, engine: sa.Engine, settings: Settings, tmp_path: Path
    ) -> None:
        r = VersionsRepo(tmp_path / "empty-versions")
        r.commit("Initial commit", "2025-01-01T09:00:00Z", {"README.md": "# Nothing here\n"})
        with pytest.raises(SyncError, match="no versions"):
            sync(engine, r.path, settings)
        assert _count(engine, t.sync_state) == 0

    def test_a_repository_without_commits_is_refused(
        self, engine: sa.Engine, settings: Settings, tmp_path: Path
    ) -> None:
        r = VersionsRepo(tmp_path / "no-commits")
        with pytest.raises(SyncError, match="empty"):
            sync(engine, r.path, settings)

    def test_a_version_that_is_not_utf8_is_reported_and_the_others_go_in(
        self, db_url: str, engine: sa.Engine, repo: VersionsRepo
    ) -> None:
        repo.record(
            "Acme", "Privacy Policy", b"# Terms\n\ncaf\xe9\n", "2025-03-01T10:00:00Z", "change"
        )
        result = CliRunner().invoke(main, ["--db", db_url, "sync", str(repo.path)])
        assert result.exit_code == 1
        assert "Acme/Privacy Policy.md at" in result.output
        assert "UTF-8" in result.output
        assert _count(engine, t.captures) == 3


class TestDeclarations:
    def test_the_source_url_is_the_one_declared_at_the_version_date(
        self, engine: sa.Engine, settings: Settings, repo: VersionsRepo, tmp_path: Path
    ) -> None:
        folder = tmp_path / "demo-declarations" / "declarations"
        folder.mkdir(parents=True)
        current = {
            "name": "Acme",
            "terms": {"Terms of Service": {"fetch": "https://acme.example/tos"}},
        }
        history = {
            "Terms of Service": [
                {"fetch": "https://acme.example/old-tos", "ValidUntil": "2025-01-15T00:00:00Z"}
            ]
        }
        (folder / "Acme.json").write_text(json.dumps(current))
        (folder / "Acme.history.json").write_text(json.dumps(history))
        sync(engine, repo.path, settings, SyncOptions(declarations=folder.parent))
        c = t.captures.c
        with engine.connect() as conn:
            urls = conn.execute(sa.select(c.source_url).order_by(c.captured_at)).scalars()
            assert list(urls) == ["https://acme.example/old-tos", None, "https://acme.example/tos"]


class TestSampleOfTheRealCollection:
    def test_the_genai_eu_sample_syncs_with_its_two_technical_upgrades(
        self, engine: sa.Engine, settings: Settings, tmp_path: Path
    ) -> None:
        clone = tmp_path / "genai-eu-versions"
        subprocess.run(
            ["git", "clone", "-q", "-b", "main", str(SAMPLE_BUNDLE), str(clone)], check=True
        )
        report = sync(engine, clone, settings)
        assert report.commits == 9
        assert report.outcomes["new_version"] == 9
        assert report.technical == 2
        with engine.connect() as conn:
            entities = conn.execute(sa.select(t.documents.c.entity).distinct()).scalars()
            assert sorted(entities) == ["Meta AI", "Perplexity"]
            reasons = conn.execute(
                sa.select(t.captures.c.change_reason).where(t.captures.c.change_reason.is_not(None))
            ).scalars()
            assert list(reasons) == ["technical upgrade", "technical upgrade"]


class TestRun:
    def test_sync_run_analyses_what_arrived_offline(self, db_url: str, repo: VersionsRepo) -> None:
        args = ["--db", db_url, "sync", str(repo.path), "--run", "--analyzer", "offline"]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        engine = sa.create_engine(db_url)
        try:
            assert _count(engine, t.runs) == 1
            assert _count(engine, t.analyses) > 0
        finally:
            engine.dispose()
