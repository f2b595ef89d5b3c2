"""Moving a store: ``copy_store`` copies every table of one store into another, empty one (from
SQLite to PostgreSQL, or back), then verifies the copy.

Tables go in dependency order (``tables.metadata.sorted_tables``), every row with its own ids,
so that exported record ids, run ids and review history still name the same things; on
PostgreSQL each id sequence is then moved past the largest id copied. The migrations record is
copied too (when each was applied). The source is only read and must be up to date
(``clauselens db upgrade``); a target holding any row is refused, never merged into.

Verification reads both stores back: per table, the row count and a checksum of the rows'
values (canonical JSON per row, SHA-256, added up so that the order rows come back in, which
differs between databases, does not matter).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError

from clauselens.errors import StoreError, UsageError
from clauselens.store import open_store, open_store_read_only, tables
from clauselens.store.locks import write_transaction
from clauselens.store.migrations import migrations_table
from clauselens.store.urls import display_url, parse_url

CHUNK = 500
_CHECKSUM_MOD = 2**256


@dataclass(frozen=True)
class TableCopy:
    """One table copied: rows in the source and in the target, and both checksums."""

    name: str
    source_rows: int
    source_checksum: str
    target_rows: int
    target_checksum: str

    @property
    def verified(self) -> bool:
        return (self.source_rows, self.source_checksum) == (
            self.target_rows,
            self.target_checksum,
        )


@dataclass(frozen=True)
class CopyReport:
    source: str
    target: str
    tables: list[TableCopy]

    @property
    def verified(self) -> bool:
        return all(t.verified for t in self.tables)

    @property
    def rows(self) -> int:
        return sum(t.target_rows for t in self.tables)


def _copied_tables() -> list[sa.Table]:
    return [*tables.metadata.sorted_tables, migrations_table]


def _canonical(value: Any) -> Any:
    if isinstance(value, datetime):  # SQLite's are naive, and every time stored here is UTC
        aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return aware.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return "sha256:" + hashlib.sha256(bytes(value)).hexdigest()
    return value


def _row_digest(row: Mapping[str, Any]) -> int:
    text = json.dumps(
        {k: _canonical(v) for k, v in row.items()},
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return int.from_bytes(hashlib.sha256(text.encode()).digest(), "big")


def _json_columns(table: sa.Table) -> list[sa.Column[Any]]:
    return [c for c in table.c if isinstance(c.type, sa.JSON)]


def _null_marker(name: str) -> str:
    return f"_sql_null_{name}"


def _rows(conn: sa.Connection, table: sa.Table) -> Iterable[list[dict[str, Any]]]:
    """The table's rows in chunks; for a JSON column, whether it holds SQL NULL as well (its value
    reads as None both for SQL NULL and for the JSON ``null``, which queries tell apart)."""
    markers = [c.is_(None).label(_null_marker(c.name)) for c in _json_columns(table)]
    query = sa.select(table, *markers)
    result = conn.execution_options(stream_results=True).execute(query)
    for chunk in result.mappings().partitions(CHUNK):
        yield [
            {k: (bool(v) if k.startswith("_sql_null_") else v) for k, v in row.items()}
            for row in chunk
        ]


def _summary(conn: sa.Connection, table: sa.Table) -> tuple[int, str]:
    count, total = 0, 0
    for chunk in _rows(conn, table):
        count += len(chunk)
        for row in chunk:
            total = (total + _row_digest(row)) % _CHECKSUM_MOD
    return count, f"{total:064x}"


def _insert_target(table: sa.Table, sql_nulls: frozenset[str]) -> sa.Table:
    """``table`` for inserting rows whose JSON columns ``sql_nulls`` are SQL NULL (and whose
    other JSON columns holding None are the JSON ``null``), as in the source."""
    columns = [
        sa.Column(
            c.name,
            sa.JSON(none_as_null=c.name in sql_nulls) if isinstance(c.type, sa.JSON) else c.type,
            primary_key=c.primary_key,
            autoincrement=False,
        )
        for c in table.c
    ]
    return sa.Table(table.name, sa.MetaData(), *columns)


def _insert(conn: sa.Connection, table: sa.Table, chunk: list[dict[str, Any]]) -> None:
    json_names = [c.name for c in _json_columns(table)]
    groups: dict[frozenset[str], list[dict[str, Any]]] = {}
    for row in chunk:
        nulls = frozenset(n for n in json_names if row.pop(_null_marker(n)))
        groups.setdefault(nulls, []).append(row)
    for nulls, rows in groups.items():
        conn.execute(_insert_target(table, nulls).insert(), rows)


def _non_empty(conn: sa.Connection) -> list[str]:
    names = set(sa.inspect(conn).get_table_names())
    return [
        t.name
        for t in tables.metadata.sorted_tables
        if t.name in names
        and conn.execute(sa.select(sa.literal(1)).select_from(t).limit(1)).first()
    ]


def _reset_sequences(conn: sa.Connection) -> None:
    """Move each PostgreSQL id sequence past the largest id copied."""
    for table in tables.metadata.sorted_tables:
        key = table.c.get("id")
        if key is None or not isinstance(key.type, sa.Integer):
            continue
        conn.execute(
            sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE(MAX(id), 1), MAX(id) IS NOT NULL) FROM {table.name}"
            )
        )


def _copy_rows(source: sa.Connection, target: sa.Connection) -> list[TableCopy]:
    """Copy every table, then read both back; the target's side is read inside the copying
    transaction, so that a copy that does not verify is rolled back."""
    target.execute(migrations_table.delete())  # the source's record replaces the target's own
    for table in _copied_tables():
        for chunk in _rows(source, table):
            _insert(target, table, chunk)
    if target.dialect.name == "postgresql":
        _reset_sequences(target)
    return [TableCopy(t.name, *_summary(source, t), *_summary(target, t)) for t in _copied_tables()]


def copy_store(source_url: str, target_url: str) -> CopyReport:
    """Copy the store at ``source_url`` into the empty store at ``target_url`` (created and
    migrated if needed) and verify every table's count and checksum (module docstring).
    Raises ``UsageError`` for a target holding rows, ``StoreError`` when the copy fails or
    does not verify (the target is then left as it was: one transaction)."""
    if source_url == target_url:
        raise UsageError("the source and the target are the same store")
    source_path = parse_url(source_url)
    if (
        source_path.get_backend_name() == "sqlite"
        and not Path(source_path.database or "").is_file()
    ):
        raise UsageError(f"there is no store at {display_url(source_url)}")
    source = open_store_read_only(source_url)
    target = open_store(target_url)
    try:
        with target.connect() as conn:
            filled = _non_empty(conn)
        if filled:
            raise UsageError(
                f"the target store at {display_url(target_url)} is not empty "
                f"({', '.join(filled)} hold rows): copy into a new, empty database"
            )
        try:
            with source.connect() as src, write_transaction(target) as dst:
                report = CopyReport(source_url, target_url, _copy_rows(src, dst))
                if not report.verified:
                    raise StoreError(
                        "the copy does not match its source ("
                        + ", ".join(t.name for t in report.tables if not t.verified)
                        + "); nothing was kept"
                    )
        except SQLAlchemyError as exc:
            raise StoreError(
                f"copying the store to {display_url(target_url)} failed: {exc}"
            ) from exc
    finally:
        source.dispose()
        target.dispose()
    return report
