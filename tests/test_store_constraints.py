"""The database itself keeps the store's rules, on SQLite and PostgreSQL alike: every unique key
refuses a duplicate row written by raw SQL, and the review audit trail refuses to be wiped
(issue 20, point 1; UPDATE and DELETE of one event: tests/test_review_store.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError

from clauselens import review
from clauselens.store import tables

pytestmark = pytest.mark.stores  # SQLite and PostgreSQL (tests/conftest.py)

# The rows each of these tables holds after the offline run, or gets below (claims).
EXPECTED_KEYED = {
    "documents",
    "blobs",
    "captures",
    "clauses",
    "provisions",
    "analyses",
    "flags",
    "changes",
    "runs",
    "claims",
}


def unique_keys(table: sa.Table) -> list[set[str]]:
    """The column sets a row of ``table`` must not share with another, as declared."""
    keys = [{c.name for c in table.primary_key.columns}]
    keys += [
        {c.name for c in con.columns}
        for con in table.constraints
        if isinstance(con, sa.UniqueConstraint)
    ]
    keys += [{c.name} for c in table.columns if c.unique]
    return keys


def surrogate_id(table: sa.Table) -> sa.Column[int] | None:
    """The integer ``id`` the database assigns, if the table's key is that alone."""
    key = list(table.primary_key.columns)
    if len(key) == 1 and key[0].name == "id" and isinstance(key[0].type, sa.Integer):
        return key[0]
    return None


def add_claim(engine: sa.Engine) -> None:
    now = datetime.now(UTC)
    with engine.begin() as conn:
        run_id = conn.execute(sa.select(tables.runs.c.id).limit(1)).scalar_one()
        conn.execute(
            tables.claims.insert().values(
                clause_sha256="0" * 64,
                analyzer="claude",
                model="m",
                prompt_version="p",
                run_id=run_id,
                holder="test",
                claimed_at=now,
                expires_at=now + timedelta(minutes=5),
            )
        )


class TestUniqueKeys:
    def test_every_declared_key_exists_in_the_database(self, engine: sa.Engine) -> None:
        """Each primary key and unique key of tables.py is a key of the database's table."""
        inspector = sa.inspect(engine)
        for table in tables.metadata.sorted_tables:
            found = [set(inspector.get_pk_constraint(table.name)["constrained_columns"])]
            found += [set(u["column_names"]) for u in inspector.get_unique_constraints(table.name)]
            found += [
                set(ix["column_names"])
                for ix in inspector.get_indexes(table.name)
                if ix.get("unique")
            ]
            for key in unique_keys(table):
                assert key in found, (table.name, key)

    def test_a_copied_row_is_refused_by_every_keyed_table(self, ota_store: sa.Engine) -> None:
        """Raw ``INSERT ... SELECT`` of an existing row (a fresh id, every other value the
        same) fails with an integrity error in every table that has a key besides its id."""
        add_claim(ota_store)
        refused: set[str] = set()
        for table in tables.metadata.sorted_tables:
            identity = surrogate_id(table)
            if identity is not None and unique_keys(table) == [{"id"}]:
                continue  # only the id is unique: a copy is a new row by design
            columns = [c for c in table.columns if c is not identity]
            with ota_store.connect() as conn:
                if conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one() == 0:
                    continue
            copy = table.insert().from_select(columns, sa.select(*columns).limit(1))
            with pytest.raises(IntegrityError), ota_store.begin() as conn:
                conn.execute(copy)
            refused.add(table.name)
        assert refused >= EXPECTED_KEYED


# The statement that empties a table at once: SQLite has no TRUNCATE (its DELETE is tested too).
WIPE = {"sqlite": "DELETE FROM review_events", "postgresql": "TRUNCATE review_events"}


class TestAuditTrail:
    def test_the_trail_cannot_be_wiped(self, ota_store: sa.Engine) -> None:
        """Emptying review_events at once (PostgreSQL's TRUNCATE fires no row trigger) is
        refused, and the event is still there."""
        pk = review.list_queue(ota_store)[0].analysis_pk
        review.approve(ota_store, pk, "ana", "ok")
        with pytest.raises(DBAPIError, match="append-only"), ota_store.begin() as conn:
            conn.exec_driver_sql(WIPE[ota_store.dialect.name])
        assert [e.note for e in review.history(ota_store, pk)] == ["ok"]
