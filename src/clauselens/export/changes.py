"""Published changes: the substantive changes feeds, the API and the digest show, filtered.

Changes of a technical upgrade (``relation="technical"``: Open Terms Archive re-extracted the
text; the service changed nothing) are never published as the service's changes.

Selection is SQL over the ``changes`` table (entity, document, change class, since, newest
first, keyset paging on (date, id)); each row then becomes a ``ChangeEvent`` through
``pipeline.versions.changes.event_from_row`` (the one rule for a change's severity and impact)
and its categories come from the analysis standing for its clause (``store.queries``). The
severity and category filters apply to those, so a page is filled by reading on.

A change analysis answered by clauselens' fake API server is never published: such a change
shows no severity and no analysis, as in the export's recent changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

from clauselens.errors import UsageError
from clauselens.export._filters import parse_time
from clauselens.pipeline.versions.changes import analysis_origin, event_from_row
from clauselens.pipeline.versions.upgrades import TECHNICAL
from clauselens.schemas.changes import ChangeClass
from clauselens.schemas.published import ChangeEntry
from clauselens.schemas.taxonomy import load_taxonomy
from clauselens.store import tables as t
from clauselens.store.queries import latest_versions, standing_analysis

SUBSTANTIVE = ("added", "removed", "modified")
CHANGE_CLASSES = ("added", "removed", "modified", "moved", "cosmetic")
LEVELS = ("high", "medium", "low")
_READ_AHEAD = 200


@dataclass(frozen=True)
class ChangeFilters:
    """Which changes to publish. ``classes``: change classes (default: the substantive ones);
    ``entity`` and ``document`` (id or title) match case-insensitively; ``since``: captured at
    or after; ``severity`` and ``category``: of the change (its severity, else its clause's)
    and of the analysis standing for its clause."""

    entity: str | None = None
    document: str | None = None
    severity: str | None = None
    category: str | None = None
    classes: tuple[str, ...] = SUBSTANTIVE
    since: datetime | None = None

    @classmethod
    def of(
        cls,
        *,
        entity: str | None = None,
        document: str | None = None,
        severity: str | None = None,
        category: str | None = None,
        change_class: str | list[str] | tuple[str, ...] | None = None,
        since: str | datetime | date | None = None,
    ) -> ChangeFilters:
        """Validated filters from loose values (query strings, CLI options, keywords)."""
        if severity is not None and severity not in LEVELS:
            raise UsageError(f"severity must be one of {', '.join(LEVELS)}, not {severity!r}")
        if category is not None and category not in load_taxonomy().codes:
            raise UsageError(f"unknown category {category!r}: see data/taxonomy.json")
        wanted = (change_class,) if isinstance(change_class, str) else change_class
        classes = tuple(wanted) if wanted else SUBSTANTIVE
        for name in classes:
            if name not in CHANGE_CLASSES:
                raise UsageError(f"class must be one of {', '.join(CHANGE_CLASSES)}, not {name!r}")
        return cls(
            entity=entity or None,
            document=document or None,
            severity=severity,
            category=category,
            classes=classes,
            since=parse_time(since, what="since") if since is not None else None,
        )


@dataclass(frozen=True)
class Cursor:
    """Where a page of changes ends: the last change's date and row id."""

    at: datetime
    pk: int


def _query(filters: ChangeFilters, after: Cursor | None) -> sa.Select[Any]:
    ch, p, d, v = t.changes, t.provisions, t.documents, t.versions
    query = (
        sa.select(
            ch,
            p.c.provision_id,
            d.c.entity,
            d.c.title,
            d.c.document_id,
            v.c.text_sha256.label("to_text_sha256"),
        )
        .join(p, p.c.id == ch.c.provision_pk)
        .join(d, d.c.id == ch.c.document_pk)
        .join(v, v.c.id == ch.c.to_version_pk)
        .where(ch.c.change_class.in_(filters.classes))
        .where(ch.c.relation.is_distinct_from(TECHNICAL))  # re-extracted, not the service's
        .order_by(ch.c.at.desc(), ch.c.id.desc())
    )
    if filters.entity:
        query = query.where(sa.func.lower(d.c.entity) == filters.entity.casefold())
    if filters.document:
        wanted = filters.document
        query = query.where(
            sa.or_(d.c.document_id == wanted, sa.func.lower(d.c.title) == wanted.casefold())
        )
    if filters.since is not None:
        query = query.where(ch.c.at >= filters.since)
    if after is not None:
        query = query.where(
            sa.or_(ch.c.at < after.at, sa.and_(ch.c.at == after.at, ch.c.id < after.pk))
        )
    return query


def _published_row(row: Any) -> Any:
    """The row as it may be published: a synthetic change analysis taken out."""
    if not (row.change_provenance or {}).get("synthetic"):
        return row
    values = dict(row._mapping)
    values.update(change_analysis=None, severity=None, analyzer=None)
    return SimpleNamespace(**values)


def _categories(conn: sa.Connection, clause_pk: int | None) -> list[str]:
    if clause_pk is None:
        return []
    origin = analysis_origin(conn, clause_pk)
    sha = conn.execute(
        sa.select(t.clauses.c.clause_sha256).where(t.clauses.c.id == origin)
    ).scalar_one()
    found = standing_analysis(conn, sha)
    return list((found.data or {}).get("categories") or []) if found is not None else []


def _is_current(conn: sa.Connection, provision_pk: int) -> bool:
    """Whether the provision has a clause in its document's latest version (a record page)."""
    latest = latest_versions()
    c = t.clauses.c
    found = conn.execute(
        sa.select(c.id)
        .join(latest, latest.c.version_pk == c.version_pk)
        .where(c.provision_pk == provision_pk)
        .limit(1)
    ).first()
    return found is not None


def entry_of(conn: sa.Connection, raw: Any) -> ChangeEntry:
    """The published entry of one selected ``changes`` row."""
    row = _published_row(raw)
    event = event_from_row(conn, row)
    detail = event.change_analysis or {}
    owner = row.old_clause_pk if event.change_class is ChangeClass.REMOVED else row.new_clause_pk
    current = _is_current(conn, int(row.provision_pk))
    return ChangeEntry(
        change_id=f"{row.provision_id}:{row.to_text_sha256[:16]}:{row.change_class}",
        date=event.date,
        entity=row.entity,
        document_id=row.document_id,
        document_title=row.title,
        record_id=row.provision_id,
        change_class=event.change_class.value,
        relation=event.relation,
        severity=event.severity,
        impact=event.impact,
        what_changed=detail.get("what_changed"),
        direction=detail.get("direction"),
        analyzer=event.analyzer if detail else None,
        heading_path=event.heading_path,
        categories=_categories(conn, owner),
        has_record=current,
    )


def _wanted(entry: ChangeEntry, filters: ChangeFilters) -> bool:
    if filters.severity and entry.severity != filters.severity:
        return False
    return not filters.category or filters.category in entry.categories


def iter_changes(
    conn: sa.Connection, filters: ChangeFilters, *, after: Cursor | None = None
) -> Iterator[tuple[ChangeEntry, Cursor]]:
    """Selected changes, newest first, each with the cursor that ends a page at it."""
    while True:
        rows = conn.execute(_query(filters, after).limit(_READ_AHEAD)).all()
        if not rows:
            return
        for row in rows:
            after = Cursor(row.at, int(row.id))
            entry = entry_of(conn, row)
            if _wanted(entry, filters):
                yield entry, after


def published_changes(
    conn: sa.Connection,
    filters: ChangeFilters,
    *,
    limit: int,
    after: Cursor | None = None,
) -> tuple[list[ChangeEntry], Cursor | None]:
    """One page: up to ``limit`` changes after ``after``, and the cursor of the next page
    (``None`` when there is no more)."""
    out: list[ChangeEntry] = []
    last: Cursor | None = None
    changes = iter_changes(conn, filters, after=after)
    for entry, cursor in changes:
        if len(out) == limit:
            return out, last
        out.append(entry)
        last = cursor
    return out, None
