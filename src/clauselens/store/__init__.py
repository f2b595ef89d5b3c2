"""Persistence: SQLAlchemy 2 Core over SQLite (WAL) by default, PostgreSQL by URL.

``open_store`` returns an engine with every migration applied. Each stage opens its own short
transactions with ``engine.begin()``; nothing holds a transaction across a model call.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from clauselens.errors import StoreError
from clauselens.store import tables
from clauselens.store.migrations import apply_migrations

__all__ = ["insert_pk", "open_store", "tables"]


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    # The busy timeout first: switching a new file to WAL takes a lock another process starting
    # at the same moment may hold.
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def open_store(url: str) -> sa.Engine:
    """Open (creating if needed) the store at ``url`` and bring its schema up to date."""
    try:
        engine = sa.create_engine(url, future=True)
        if engine.dialect.name == "sqlite":
            sa.event.listen(engine, "connect", _sqlite_pragmas)
        apply_migrations(engine)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot open the store at {url}: {exc}") from exc
    return engine


def insert_pk(conn: sa.Connection, statement: sa.Insert) -> int:
    """Execute an INSERT and return the new row's integer primary key."""
    key = conn.execute(statement).inserted_primary_key
    if key is None:  # pragma: no cover - every table here has an integer key
        raise StoreError("insert returned no primary key")
    return int(key[0])
