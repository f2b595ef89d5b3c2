"""Putting a store back as it was before a queue migration, to test that migration on it."""

from __future__ import annotations

import sqlalchemy as sa

QUEUE_INDEXES = ("ix_analyses_queue", "ix_analyses_queue_any")


def undo_queue_migration(engine: sa.Engine, migration: str, *columns: str) -> None:
    """Drop the review queue's indexes and these ``analyses`` columns, and forget that
    ``migration`` was applied: the store as the migration before it left it."""
    with engine.begin() as conn:
        for name in QUEUE_INDEXES:
            conn.exec_driver_sql(f"DROP INDEX {name}")
        for column in columns:
            conn.exec_driver_sql(f"ALTER TABLE analyses DROP COLUMN {column}")
        conn.execute(sa.text("DELETE FROM _migrations WHERE name = :name"), {"name": migration})


def queue_indexes(engine: sa.Engine) -> set[str]:
    """The review queue's indexes the store has."""
    with engine.connect() as conn:
        names = {ix["name"] for ix in sa.inspect(conn).get_indexes("analyses")}
    return names & set(QUEUE_INDEXES)
