"""``clauselens db``: migrations status and upgrade, safe at once, and copying a store into
another database (issue 20, points 2 and 5), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from clauselens import review
from clauselens.cli import main
from clauselens.errors import ConfigError, UsageError
from clauselens.export import iter_records
from clauselens.store import open_store, store_status, tables, upgrade_store
from clauselens.store.copy import copy_store
from clauselens.store.locks import write_transaction
from clauselens.store.migrations import MIGRATIONS, migrations_table
from tests.support.together import run_together

pytestmark = pytest.mark.stores  # SQLite and PostgreSQL (tests/conftest.py)

NAMES = [name for name, _ in MIGRATIONS]


def schema(engine: sa.Engine) -> dict[str, set[str]]:
    inspector = sa.inspect(engine)
    return {
        name: {c["name"] for c in inspector.get_columns(name)}
        for name in inspector.get_table_names()
    }


def migrate_up_to(url: str, count: int) -> None:
    """A store as an older clauselens left it: only the first ``count`` migrations applied."""
    engine = sa.create_engine(url)
    with write_transaction(engine) as conn:
        migrations_table.create(conn, checkfirst=True)
        for name, fn in MIGRATIONS[:count]:
            fn(conn)
            conn.execute(
                migrations_table.insert().values(name=name, applied_at=sa.func.current_timestamp())
            )
    engine.dispose()


class TestStatusAndUpgrade:
    def test_status_of_a_new_store_lists_every_migration_pending(self, db_url: str) -> None:
        """Before any command wrote to it, every migration is pending and status exits 1."""
        result = CliRunner().invoke(main, ["--db", db_url, "db", "status", "--json"])
        assert result.exit_code == 1, result.output
        report = json.loads(result.stdout)
        assert report["pending"] == NAMES
        assert [m["applied_at"] for m in report["migrations"]] == [None] * len(NAMES)

    def test_status_writes_nothing(self, tmp_path: Path) -> None:
        """Asking for the status of a SQLite store that does not exist does not create it."""
        path = tmp_path / "absent.db"
        CliRunner().invoke(main, ["--db", str(path), "db", "status"])
        assert not path.exists()

    def test_upgrade_applies_every_migration_once(self, db_url: str) -> None:
        """The first upgrade applies them all in order; the second finds nothing to do."""
        runner = CliRunner()
        first = runner.invoke(main, ["--db", db_url, "db", "upgrade"])
        assert first.exit_code == 0, first.output
        assert [line.split()[1] for line in first.stdout.splitlines()[:-1]] == NAMES
        again = runner.invoke(main, ["--db", db_url, "db", "upgrade"])
        assert "(0 applied now)" in again.stdout
        status = runner.invoke(main, ["--db", db_url, "db", "status"])
        assert status.exit_code == 0
        assert status.stdout.rstrip().endswith("up to date")

    @pytest.mark.parametrize("done", [1, 2, 6, len(NAMES) - 1])
    def test_upgrading_an_older_store_gives_the_schema_of_a_new_one(
        self, new_db_url: Callable[[str], str], done: int
    ) -> None:
        """A store left by an older version gets exactly the migrations it lacks, and ends with
        the same tables and columns as a store created now."""
        old, new = new_db_url("old"), new_db_url("new")
        migrate_up_to(old, done)
        assert [s.name for s in store_status(old) if s.applied_at is None] == NAMES[done:]
        assert upgrade_store(old) == NAMES[done:]
        fresh, upgraded = open_store(new), open_store(old)
        try:
            assert schema(upgraded) == schema(fresh)
        finally:
            fresh.dispose()
            upgraded.dispose()

    def test_four_upgrades_at_once_apply_each_migration_once(
        self, db_url: str, tmp_path: Path
    ) -> None:
        """Four processes upgrade a new store at the same moment: all succeed, and between them
        each migration is applied, and recorded, exactly once."""
        code = f"print(','.join(upgrade_store({db_url!r})))"
        outcomes = run_together(
            "from clauselens.store import upgrade_store", code, processes=4, folder=tmp_path
        )
        assert [o.returncode for o in outcomes] == [0] * 4, [o.stderr for o in outcomes]
        applied = [n for o in outcomes for n in o.stdout.strip().split(",") if n]
        assert sorted(applied) == sorted(NAMES)
        engine = sa.create_engine(db_url)
        with engine.connect() as conn:
            recorded = conn.execute(sa.select(migrations_table.c.name)).scalars().all()
        engine.dispose()
        assert sorted(recorded) == sorted(NAMES)


class TestDriver:
    def test_a_postgresql_url_without_the_driver_is_a_clear_error(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """No psycopg installed: the message names the extra to install and the exit is 2."""
        monkeypatch.setitem(sys.modules, "psycopg", None)
        url = "postgresql://analyst@127.0.0.1:1/clauselens"
        with pytest.raises(ConfigError, match=r"clauselens\[postgres\]"):
            open_store(url)
        result = CliRunner().invoke(main, ["--db", url, "db", "status"])
        assert result.exit_code == 2
        assert "pip install 'clauselens[postgres]'" in result.output


def records(engine: sa.Engine) -> list[str]:
    return sorted(r.model_dump_json() for r in iter_records(engine))


class TestCopy:
    """From SQLite into the test's backend: SQLite to SQLite, and SQLite to PostgreSQL."""

    @pytest.fixture
    def reviewed(self, ran_db: Path, tmp_path: Path) -> Iterator[sa.Engine]:
        """A SQLite copy of the offline run's store, with an approval and a rejection in its
        audit trail."""
        path = tmp_path / "source.db"
        shutil.copyfile(ran_db, path)
        engine = open_store(f"sqlite:///{path}")
        first, second = (item.analysis_pk for item in review.list_queue(engine)[:2])
        review.approve(engine, first, "ana", "fine")
        review.reject(engine, second, "bo", "wrong clause")
        yield engine
        engine.dispose()

    def test_a_copy_holds_every_row_and_exports_the_same_records(
        self, reviewed: sa.Engine, new_db_url: Callable[[str], str]
    ) -> None:
        """Every table's count and checksum match, and the copy exports the same records
        with the same ids and review history."""
        target = new_db_url("copy")
        report = copy_store(reviewed.url.render_as_string(hide_password=False), target)
        assert report.verified
        counts = {t.name: t.target_rows for t in report.tables}
        assert counts["review_events"] == 2
        assert counts["analyses"] > 0
        assert counts["_migrations"] == len(NAMES)
        copy = open_store(target)
        try:
            assert records(copy) == records(reviewed)
            with reviewed.connect() as conn:
                pks = conn.execute(sa.select(tables.review_events.c.analysis_pk)).scalars().all()
            assert len(pks) == 2
            for pk in pks:
                assert review.history(copy, pk) == review.history(reviewed, pk)
        finally:
            copy.dispose()

    def test_a_copy_copied_back_to_sqlite_is_the_same_store(
        self, reviewed: sa.Engine, new_db_url: Callable[[str], str], tmp_path: Path
    ) -> None:
        """Copying the copy back into a new SQLite file (PostgreSQL to SQLite, on that backend)
        gives every table the checksums the original had."""
        source = reviewed.url.render_as_string(hide_password=False)
        there = copy_store(source, new_db_url("copy"))
        back = copy_store(there.target, f"sqlite:///{tmp_path / 'back.db'}")
        assert back.verified
        assert [(t.name, t.target_checksum) for t in back.tables] == [
            (t.name, t.source_checksum) for t in there.tables
        ]

    def test_a_copy_takes_new_rows_after_the_copied_ids(
        self, reviewed: sa.Engine, new_db_url: Callable[[str], str]
    ) -> None:
        """Ids are kept and the id sequences moved past them: the next review event recorded in
        the copy gets a new id, not one already used."""
        target = new_db_url("copy")
        copy_store(reviewed.url.render_as_string(hide_password=False), target)
        copy = open_store(target)
        try:
            pending = review.next_pending(copy)
            assert pending is not None
            review.approve(copy, pending, "cy")
            with copy.connect() as conn:
                ids = conn.execute(sa.select(tables.review_events.c.id)).scalars().all()
        finally:
            copy.dispose()
        assert len(ids) == len(set(ids)) == 3

    def test_sql_null_and_json_null_stay_apart(
        self, reviewed: sa.Engine, new_db_url: Callable[[str], str]
    ) -> None:
        """A JSON column holding the JSON ``null`` is not turned into SQL NULL, nor back."""
        c = tables.changes.c
        with reviewed.begin() as conn:
            first = conn.execute(sa.select(sa.func.min(c.id))).scalar_one()
            conn.execute(
                tables.changes.update()
                .where(c.id == first)
                .values(change_analysis=sa.JSON.NULL, change_provenance=None)
            )
        target = new_db_url("copy")
        copy_store(reviewed.url.render_as_string(hide_password=False), target)

        def nulls(engine: sa.Engine) -> tuple[int, int]:
            with engine.connect() as conn:
                sql = conn.execute(
                    sa.select(sa.func.count()).where(c.change_analysis.is_(None))
                ).scalar_one()
                anything = conn.execute(
                    sa.select(sa.func.count()).where(c.change_analysis.is_not(None))
                ).scalar_one()
            return int(sql), int(anything)

        copy = open_store(target)
        try:
            assert nulls(copy) == nulls(reviewed)
        finally:
            copy.dispose()

    def test_a_target_holding_rows_is_refused(
        self, reviewed: sa.Engine, new_db_url: Callable[[str], str]
    ) -> None:
        """Copying into a store that holds anything exits 2 and leaves that store unchanged."""
        source = reviewed.url.render_as_string(hide_password=False)
        target = new_db_url("copy")
        copy_store(source, target)
        before = open_store(target)
        try:
            kept = records(before)
        finally:
            before.dispose()
        result = CliRunner().invoke(main, ["db", "copy", source, target])
        assert result.exit_code == 2
        assert "not empty" in result.output
        with pytest.raises(UsageError, match="not empty"):
            copy_store(source, target)
        after = open_store(target)
        try:
            assert records(after) == kept
        finally:
            after.dispose()

    def test_a_missing_source_is_refused(self, tmp_path: Path, db_url: str) -> None:
        """A SQLite source that does not exist is a usage error, not an empty copy."""
        result = CliRunner().invoke(main, ["db", "copy", str(tmp_path / "none.db"), db_url])
        assert result.exit_code == 2
        assert "no store" in result.output

    def test_the_cli_reports_each_table(
        self, reviewed: sa.Engine, new_db_url: Callable[[str], str]
    ) -> None:
        """``db copy --json`` lists every table with matching counts and checksums."""
        source = reviewed.url.render_as_string(hide_password=False)
        result = CliRunner().invoke(main, ["db", "copy", source, new_db_url("copy"), "--json"])
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        assert report["verified"] is True
        names = {t["name"] for t in report["tables"]}
        assert {t.name for t in tables.metadata.sorted_tables} | {"_migrations"} == names
        for t in report["tables"]:
            assert (t["source_rows"], t["source_checksum"]) == (
                t["target_rows"],
                t["target_checksum"],
            )
