"""Schema migrations: small functions applied once, in order, and recorded in ``_migrations``.

Each migration receives a connection inside the transaction that records it. A migration that
adds to a table must check what is there, so that it also runs after migration 0001 created the
table from the current definition in ``tables.py``.

Safe when several processes open the same store at once (two ``clauselens run`` started
together): the pending migrations are applied in one transaction that first takes the store's
write lock (``locks.write_transaction``), then reads again what is recorded. The process that
waited finds everything applied and applies nothing. A store already up to date is only read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from clauselens.schemas.stored import SYNTHETIC_MARKER
from clauselens.store import tables
from clauselens.store.locks import write_transaction
from clauselens.store.placement import mark_outranked, mark_superseded, place_by_clause

Migration = Callable[[sa.Connection], None]
MIGRATIONS: list[tuple[str, Migration]] = []


def migration(fn: Migration) -> Migration:
    MIGRATIONS.append((fn.__name__, fn))
    return fn


migrations_table = sa.Table(
    "_migrations",
    sa.MetaData(),
    sa.Column("name", sa.String(128), primary_key=True),
    sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
)


@migration
def m0001_initial_schema(conn: sa.Connection) -> None:
    tables.metadata.create_all(conn)


_SQLITE_APPEND_ONLY = [
    """CREATE TRIGGER IF NOT EXISTS review_events_no_update BEFORE UPDATE ON review_events
       BEGIN SELECT RAISE(ABORT, 'review_events is append-only: past events cannot change'); END""",
    """CREATE TRIGGER IF NOT EXISTS review_events_no_delete BEFORE DELETE ON review_events
       BEGIN SELECT RAISE(ABORT, 'review_events is append-only: past events cannot be deleted');
       END""",
]

_POSTGRES_APPEND_ONLY = [
    """CREATE OR REPLACE FUNCTION review_events_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'review_events is append-only: past events cannot change'; END;
       $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER review_events_no_change BEFORE UPDATE OR DELETE ON review_events
       FOR EACH ROW EXECUTE FUNCTION review_events_append_only()""",
]


@migration
def m0002_review_events_append_only(conn: sa.Connection) -> None:
    statements = {
        "sqlite": _SQLITE_APPEND_ONLY,
        "postgresql": _POSTGRES_APPEND_ONLY,
    }.get(conn.dialect.name, [])
    for statement in statements:
        conn.exec_driver_sql(statement)


@migration
def m0003_changes_relation(conn: sa.Connection) -> None:
    """``changes.relation``: how a change relates to another clause (split, merge, moved)."""
    columns = {col["name"] for col in sa.inspect(conn).get_columns("changes")}
    if "relation" not in columns:
        conn.exec_driver_sql("ALTER TABLE changes ADD COLUMN relation VARCHAR(16)")


@migration
def m0004_changes_provenance(conn: sa.Connection) -> None:
    """``changes.change_provenance``: who produced the change analysis, with what and when."""
    columns = {col["name"] for col in sa.inspect(conn).get_columns("changes")}
    if "change_provenance" not in columns:
        conn.exec_driver_sql("ALTER TABLE changes ADD COLUMN change_provenance JSON")


@migration
def m0005_similarity_cache(conn: sa.Connection) -> None:
    """``similarity_cache``: the saved similarity index, so it travels with the store."""
    tables.similarity_cache.create(conn, checkfirst=True)


def _add_top_priority(conn: sa.Connection) -> None:
    a = tables.analyses
    columns = {col["name"] for col in sa.inspect(conn).get_columns("analyses")}
    if "top_priority" not in columns:
        conn.exec_driver_sql(
            "ALTER TABLE analyses ADD COLUMN top_priority INTEGER NOT NULL "
            f"DEFAULT {tables.NO_FLAG_PRIORITY}"
        )
    f = tables.flags.c
    most_urgent = (
        sa.select(sa.func.min(f.priority)).where(f.analysis_pk == a.c.id).scalar_subquery()
    )
    conn.execute(
        a.update().values(top_priority=sa.func.coalesce(most_urgent, tables.NO_FLAG_PRIORITY))
    )


def _standing_levels(conn: sa.Connection) -> None:
    a = tables.analyses.c
    edited = conn.execute(
        sa.select(a.id, a.reviewed_analysis).where(a.reviewed_analysis.is_not(None))
    ).all()
    for pk, data in edited:
        if isinstance(data, dict):
            conn.execute(
                tables.analyses.update()
                .where(a.id == pk)
                .values(severity=data.get("severity"), confidence=data.get("confidence"))
            )


_QUEUE_INDEXES = {
    "ix_analyses_queue",
    "ix_analyses_queue_any",
    "ix_analyses_clause_pk",
    "ix_flags_code",
}


@migration
def m0006_review_queue(conn: sa.Connection) -> None:
    """The review queue in SQL: ``analyses.top_priority`` (the most urgent flag's priority),
    ``severity``/``confidence`` as the analysis stands (an analyst's edit included), and the
    indexes the queue reads in order."""
    _add_top_priority(conn)
    _standing_levels(conn)
    columns = {col["name"] for col in sa.inspect(conn).get_columns("analyses")}
    for index in [*tables.analyses.indexes, *tables.flags.indexes]:
        # an index on columns a later migration adds is that migration's (0010)
        if index.name in _QUEUE_INDEXES and (
            index.table is not tables.analyses or {c.name for c in index.columns} <= columns
        ):
            index.create(conn, checkfirst=True)


@migration
def m0007_analyses_synthetic(conn: sa.Connection) -> None:
    """``analyses.synthetic``: answered by clauselens' fake API server, not by Claude. Analyses
    stored before the header was read are found by the text every synthetic answer carries,
    and their provenance says so too."""
    a = tables.analyses
    columns = {col["name"] for col in sa.inspect(conn).get_columns("analyses")}
    if "synthetic" not in columns:
        conn.exec_driver_sql(
            "ALTER TABLE analyses ADD COLUMN synthetic BOOLEAN NOT NULL DEFAULT FALSE"
        )
    text = sa.cast(a.c.analysis, sa.Text)
    found = conn.execute(
        sa.select(a.c.id, a.c.provenance).where(
            a.c.analyzer == "claude", text.contains(SYNTHETIC_MARKER, autoescape=True)
        )
    ).all()
    for pk, provenance in found:
        marked = {**(provenance or {}), "synthetic": True}
        conn.execute(a.update().where(a.c.id == pk).values(synthetic=True, provenance=marked))


@migration
def m0008_claims(conn: sa.Connection) -> None:
    """``claims``: clause texts a run has claimed before sending their requests, so that two
    runs on one store never pay for the same analysis."""
    tables.claims.create(conn, checkfirst=True)


@migration
def m0009_captures_captured_at_source(conn: sa.Connection) -> None:
    """``captures.captured_at_source``: where a capture's time came from (a manifest, an option,
    a history file name, or the file's modification time). Older captures stay NULL: unknown."""
    columns = {col["name"] for col in sa.inspect(conn).get_columns("captures")}
    if "captured_at_source" not in columns:
        conn.exec_driver_sql("ALTER TABLE captures ADD COLUMN captured_at_source VARCHAR(16)")


@migration
def m0010_review_priority(conn: sa.Connection) -> None:
    """``analyses.substance`` and ``analyses.novelty``: where an analysis sits in the review
    queue (``store.placement``), set for every stored analysis; the queue's indexes rebuilt to
    sort on them."""
    columns = {col["name"] for col in sa.inspect(conn).get_columns("analyses")}
    for name, default in (("substance", 0), ("novelty", 2)):
        if name not in columns:
            conn.exec_driver_sql(
                f"ALTER TABLE analyses ADD COLUMN {name} SMALLINT NOT NULL DEFAULT {default}"
            )
    a = tables.analyses.c
    place_by_clause(conn, conn.execute(sa.select(a.id)).scalars().all())
    _rebuild_queue_indexes(conn)


def _rebuild_queue_indexes(conn: sa.Connection) -> None:
    """Drop and create the review queue's indexes as ``tables.py`` defines them, once every
    column they hold exists (an index on a column a later migration adds is that one's)."""
    inspector = sa.inspect(conn)
    existing = {ix["name"] for ix in inspector.get_indexes("analyses")}
    columns = {col["name"] for col in inspector.get_columns("analyses")}
    for index in tables.analyses.indexes:
        if index.name in {"ix_analyses_queue", "ix_analyses_queue_any"}:
            if index.name in existing:
                conn.exec_driver_sql(f"DROP INDEX {index.name}")
            if {c.name for c in index.columns} <= columns:
                index.create(conn)


@migration
def m0011_sync_state(conn: sa.Connection) -> None:
    """``sync_state``: the last commit synced per versions repository; ``captures.provenance``
    (repository, commit, snapshot links) and ``captures.change_reason`` (``technical upgrade``).
    Numbered 0011, not 0010, so that it does not collide with a migration made alongside it."""
    tables.sync_state.create(conn, checkfirst=True)
    columns = {col["name"] for col in sa.inspect(conn).get_columns("captures")}
    if "provenance" not in columns:
        conn.exec_driver_sql("ALTER TABLE captures ADD COLUMN provenance JSON")
    if "change_reason" not in columns:
        conn.exec_driver_sql("ALTER TABLE captures ADD COLUMN change_reason VARCHAR(32)")


_POSTGRES_NO_TRUNCATE = [
    "DROP TRIGGER IF EXISTS review_events_no_truncate ON review_events",
    """CREATE TRIGGER review_events_no_truncate BEFORE TRUNCATE ON review_events
       FOR EACH STATEMENT EXECUTE FUNCTION review_events_append_only()""",
]


@migration
def m0012_review_events_no_truncate(conn: sa.Connection) -> None:
    """PostgreSQL's TRUNCATE fires no row trigger: the audit trail refuses it too (SQLite has no
    TRUNCATE)."""
    if conn.dialect.name == "postgresql":
        for statement in _POSTGRES_NO_TRUNCATE:
            conn.exec_driver_sql(statement)


def _placed_flag(
    conn: sa.Connection, column: str, mark: Callable[[sa.Connection, Iterable[str]], None]
) -> None:
    """Add the boolean ``analyses.<column>`` (false) when missing, ``mark`` it for every
    stored text, and rebuild the queue's indexes to sort on it."""
    columns = {col["name"] for col in sa.inspect(conn).get_columns("analyses")}
    if column not in columns:
        conn.exec_driver_sql(
            f"ALTER TABLE analyses ADD COLUMN {column} BOOLEAN NOT NULL DEFAULT FALSE"
        )
    a = tables.analyses.c
    mark(conn, conn.execute(sa.select(a.clause_sha256).distinct()).scalars().all())
    _rebuild_queue_indexes(conn)


@migration
def m0013_analyses_superseded(conn: sa.Connection) -> None:
    """``analyses.superseded``: the analysis's text is in force in no latest version, so the
    review queue lists it below every current one (``store.placement``); set for every stored
    analysis, and the queue's indexes rebuilt to sort on it first."""
    _placed_flag(conn, "superseded", mark_superseded)


@migration
def m0014_rate_windows(conn: sa.Connection) -> None:
    """``rate_windows``: the requests and tokens a minute of one API key, shared by every
    worker (``pipeline.runs.shared_limit``). Numbered 0014: 0013 may be made alongside it."""
    tables.rate_windows.create(conn, checkfirst=True)


@migration
def m0015_analyses_similar_platforms(conn: sa.Connection) -> None:
    """``analyses.similar_platforms``: how many other platforms have a similar provision, so
    the review queue can list unique provisions first among equals; NULL (not compared) until
    the next run compares them (``similarity.uniqueness``). The queue's indexes rebuilt."""
    columns = {col["name"] for col in sa.inspect(conn).get_columns("analyses")}
    if "similar_platforms" not in columns:
        conn.exec_driver_sql("ALTER TABLE analyses ADD COLUMN similar_platforms INTEGER")
    _rebuild_queue_indexes(conn)


@migration
def m0016_versions_order_index(conn: sa.Connection) -> None:
    """``ix_versions_order``: the versions of a document in order with every column but their
    text, so finding the latest, previous or next version reads no text (``tables.versions``)."""
    for index in tables.versions.indexes:
        if index.name == "ix_versions_order":
            index.create(conn, checkfirst=True)


@migration
def m0017_analyses_outranked(conn: sa.Connection) -> None:
    """``analyses.outranked``: another analysis of the same text stands for it, so the review
    queue lists it after every analysis that stands (``store.placement``); set for every stored
    analysis, and the queue's indexes rebuilt to sort on it."""
    _placed_flag(conn, "outranked", mark_outranked)


@dataclass(frozen=True)
class MigrationState:
    """One migration as a store records it: applied (when) or pending; ``known`` is False for
    one recorded by a newer clauselens than this one."""

    name: str
    applied_at: datetime | None
    known: bool = True


def migration_states(conn: sa.Connection) -> list[MigrationState]:
    """Every migration this version knows, in order, then any the store records beyond them."""
    recorded: dict[str, datetime] = {}
    if sa.inspect(conn).has_table(migrations_table.name):
        m = migrations_table.c
        for name, at in conn.execute(sa.select(m.name, m.applied_at)):
            recorded[name] = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    known = [MigrationState(name, recorded.get(name)) for name, _ in MIGRATIONS]
    names = {name for name, _ in MIGRATIONS}
    unknown = [
        MigrationState(name, at, known=False)
        for name, at in sorted(recorded.items())
        if name not in names
    ]
    return known + unknown


def _recorded(conn: sa.Connection) -> set[str]:
    if not sa.inspect(conn).has_table(migrations_table.name):
        return set()
    return set(conn.execute(sa.select(migrations_table.c.name)).scalars())


def pending_migrations(conn: sa.Connection) -> list[str]:
    """The names of the migrations not yet recorded in the store, in order."""
    done = _recorded(conn)
    return [name for name, _ in MIGRATIONS if name not in done]


def apply_migrations(engine: sa.Engine) -> list[str]:
    """Apply the migrations not yet recorded; return the names applied (by this process)."""
    with engine.connect() as conn:
        if not pending_migrations(conn):
            return []
    applied: list[str] = []
    with write_transaction(engine) as conn:
        migrations_table.create(conn, checkfirst=True)
        done = _recorded(conn)  # again, under the lock: another process may have applied some
        for name, fn in MIGRATIONS:
            if name in done:
                continue
            fn(conn)
            conn.execute(migrations_table.insert().values(name=name, applied_at=datetime.now(UTC)))
            applied.append(name)
    return applied
