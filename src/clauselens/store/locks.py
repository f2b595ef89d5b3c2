"""The store's write lock: one transaction at a time, across processes, for work that reads
what is stored and then writes on what it read (migrations, ingesting a capture, a review
action checking the latest event of its analysis).

``write_transaction`` takes the lock when the transaction begins, not at its first write: on
SQLite ``BEGIN IMMEDIATE`` (pysqlite would only begin before the first data change, after the
reads, so two processes could both read "not there" and both insert); on PostgreSQL a
transaction-level advisory lock. The lock waits (SQLite: up to the busy timeout) rather than
fails, and ends with the transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import sqlalchemy as sa

# Any fixed number: the key of the advisory lock PostgreSQL sessions take to write.
POSTGRES_LOCK_KEY = 0x636C6C6E  # "clln"


def _sqlite_lock(conn: sa.Connection) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _postgres_lock(conn: sa.Connection) -> None:
    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": POSTGRES_LOCK_KEY})


_WRITE_LOCKS: dict[str, Callable[[sa.Connection], None]] = {
    "sqlite": _sqlite_lock,
    "postgresql": _postgres_lock,
}


@contextmanager
def write_transaction(engine: sa.Engine) -> Iterator[sa.Connection]:
    """A transaction holding the store's write lock from its start; committed when the block
    ends, rolled back if it raises (module docstring)."""
    with engine.connect() as conn:
        lock = _WRITE_LOCKS.get(conn.dialect.name)
        if lock is not None:
            lock(conn)
        try:
            yield conn
        except BaseException:
            conn.rollback()
            raise
        conn.commit()
