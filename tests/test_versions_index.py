"""Finding a document's latest, previous or next version reads no version text (issue 18,
point 5: sync speed). SQLite keeps a row's columns in order and ``versions.text`` comes before
the columns these queries return, so answering them from the table walked each version's text;
``ix_versions_order`` (migration 0016) answers them alone.

Documents are SYNTHETIC (written here, not from any real policy).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from clauselens.config import load_settings
from clauselens.pipeline.ingest.captures import ingest_one
from clauselens.pipeline.ingest.manifest import CaptureMeta
from clauselens.store import open_store
from clauselens.store.migrations import apply_migrations
from clauselens.store.queries.documents import latest_version, next_version, previous_version

START = datetime(2026, 1, 1, tzinfo=UTC)


def versions(engine: sa.Engine, folder: Path, count: int) -> list[int]:
    """``count`` versions of one SYNTHETIC document, each long enough to overflow a page."""
    settings = load_settings({"db_url": str(engine.url)})
    pks = []
    for n in range(count):
        capture = folder / f"v{n}.md"
        body = "\n\n".join(f"## Part {k}\n\nWe keep record {k} for {n} days." for k in range(200))
        capture.write_text(f"# Terms\n\n{body}\n", encoding="utf-8")
        meta = CaptureMeta(capture, "Acme", "Terms", "Terms", START + timedelta(days=n))
        outcome = ingest_one(engine, meta, settings)
        assert outcome.version_pk is not None
        pks.append(outcome.version_pk)
    return pks


def plan(conn: sa.Connection, statement: sa.Select[tuple[int]]) -> str:
    compiled = statement.compile(conn, compile_kwargs={"literal_binds": True})
    rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}").all()
    return " | ".join(str(row[-1]) for row in rows)


def test_version_order_queries_give_the_right_versions(tmp_path: Path) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 's.db'}")
    pks = versions(engine, tmp_path, 4)
    with engine.connect() as conn:
        latest = latest_version(conn, 1)
        assert latest is not None
        assert latest.pk == pks[-1]
        before = previous_version(conn, pks[2])
        after = next_version(conn, pks[1])
    assert before is not None
    assert after is not None
    assert (before.pk, after.pk) == (pks[1], pks[2])


def test_the_latest_version_is_found_from_the_index_alone(tmp_path: Path) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 's.db'}")
    versions(engine, tmp_path, 2)
    v = sa.table(
        "versions",
        *(sa.column(name) for name in ("id", "document_pk", "captured_at", "text_sha256")),
    )
    query = (
        sa.select(v.c.id, v.c.text_sha256)
        .where(v.c.document_pk == 1)
        .order_by(v.c.captured_at.desc(), v.c.id.desc())
        .limit(1)
    )
    with engine.connect() as conn:
        assert "COVERING INDEX ix_versions_order" in plan(conn, query)


def test_migration_0016_adds_the_index_to_an_older_store(tmp_path: Path) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 's.db'}")
    versions(engine, tmp_path, 1)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP INDEX ix_versions_order")
        conn.exec_driver_sql("DELETE FROM _migrations WHERE name = 'm0016_versions_order_index'")
    assert apply_migrations(engine) == ["m0016_versions_order_index"]
    names = {ix["name"] for ix in sa.inspect(engine).get_indexes("versions")}
    assert "ix_versions_order" in names
