"""Persistence: SQLAlchemy 2 Core over SQLite (WAL) by default, PostgreSQL by URL (psycopg 3,
the ``postgres`` extra; ``store.urls``).

``open_store`` returns an engine with every migration applied. Each stage opens its own short
transactions with ``engine.begin()``; nothing holds a transaction across a model call.
``open_store_read_only`` is for commands that promise to write nothing (``run --dry-run``): it
never creates nor migrates a store. ``locks.write_transaction`` holds the store's write lock for
work that reads then writes on what it read (migrations, ingesting a capture, review actions).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.pool import StaticPool
from tenacity import retry, retry_if_exception, stop_after_attempt, wait_chain, wait_fixed

from clauselens.errors import StoreError
from clauselens.store import tables
from clauselens.store.migrations import (
    MigrationState,
    apply_migrations,
    migration_states,
    pending_migrations,
)
from clauselens.store.urls import create_engine, parse_url

__all__ = [
    "MigrationState",
    "insert_pk",
    "open_store",
    "open_store_read_only",
    "store_status",
    "tables",
    "upgrade_store",
]


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    # The busy timeout first: switching a new file to WAL takes a lock another process starting
    # at the same moment may hold.
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _writable(url: str) -> sa.Engine:
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def open_store(url: str) -> sa.Engine:
    """Open (creating if needed) the store at ``url`` and bring its schema up to date."""
    try:
        engine = _writable(url)
        _migrate(engine)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot open the store at {url}: {exc}") from exc
    return engine


#: Pauses before trying again when SQLite answers "database is locked" without waiting.
_LOCKED_RETRIES = (0.1, 0.3, 1.0, 3.0)


@retry(
    retry=retry_if_exception(
        lambda exc: isinstance(exc, OperationalError) and "database is locked" in str(exc)
    ),
    wait=wait_chain(*(wait_fixed(s) for s in _LOCKED_RETRIES)),
    stop=stop_after_attempt(len(_LOCKED_RETRIES) + 1),
    reraise=True,
)
def _migrate(engine: sa.Engine) -> list[str]:
    """``apply_migrations``, tried again when SQLite says "locked" at once: a file that another
    process is creating at the same moment (switching it to WAL, its first schema) can answer
    so without calling the busy handler (two ``clauselens run`` on a new store, about one start
    in three on a loaded machine). Migrations are idempotent under the write lock."""
    return apply_migrations(engine)


def upgrade_store(url: str) -> list[str]:
    """Create the store at ``url`` if needed and apply its pending migrations; return the names
    this process applied (none when another process applied them first)."""
    try:
        engine = _writable(url)
        try:
            return _migrate(engine)
        finally:
            engine.dispose()
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot upgrade the store at {url}: {exc}") from exc


def store_status(url: str) -> list[MigrationState]:
    """The migrations of the store at ``url``, applied or pending; nothing is created or written
    (a SQLite file that does not exist has every migration pending)."""
    try:
        engine = _read_engine(url, missing_migrated=False)
        try:
            with engine.connect() as conn:
                return migration_states(conn)
        finally:
            engine.dispose()
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot read the store at {url}: {exc}") from exc


def _sqlite_read_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _empty_store(migrated: bool) -> sa.Engine:
    """An empty store in memory: with every migration applied, what a store not created yet
    holds to a reader; without, what it lacks to ``store_status``."""
    engine = sa.create_engine("sqlite://", poolclass=StaticPool)
    if migrated:
        apply_migrations(engine)
    return engine


def _read_only_sqlite(path: Path) -> sa.Engine:
    uri = f"{path.resolve().as_uri()}?mode=ro"
    engine = sa.create_engine(
        "sqlite://",
        creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False),
    )
    sa.event.listen(engine, "connect", _sqlite_read_pragmas)
    return engine


def _read_engine(url: str, missing_migrated: bool = True) -> sa.Engine:
    """An engine that writes nothing; a SQLite file that does not exist reads as an empty store
    in memory, migrated or not."""
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:") or not Path(database).exists():
            return _empty_store(missing_migrated)
        return _read_only_sqlite(Path(database))
    return create_engine(url)


def open_store_read_only(url: str) -> sa.Engine:
    """The store at ``url`` for reading only: nothing is created, migrated or written.

    A SQLite file that does not exist reads as an empty store (kept in memory). A store whose
    schema needs a migration is refused (``StoreError``): this version's queries could not read
    it, and migrating is a write."""
    try:
        engine = _read_engine(url)
        with engine.connect() as conn:
            pending = pending_migrations(conn)
    except SQLAlchemyError as exc:
        raise StoreError(f"cannot read the store at {url}: {exc}") from exc
    if pending:
        engine.dispose()
        raise StoreError(
            f"the store at {url} needs migrating ({', '.join(pending)}) before it can be read; "
            "any command that writes migrates it (e.g. `clauselens runs`)"
        )
    return engine


def insert_pk(conn: sa.Connection, statement: sa.Insert) -> int:
    """Execute an INSERT and return the new row's integer primary key."""
    key = conn.execute(statement).inserted_primary_key
    if key is None:  # pragma: no cover - every table here has an integer key
        raise StoreError("insert returned no primary key")
    return int(key[0])
