"""Compare two versions of a document: the change events between them, most severe first.

``compare_versions`` is what ``clauselens changes`` shows. Consecutive versions use the stored
change rows (with their stored change analyses); versions further apart are aligned here with
``align.align_clauses`` and nothing is stored. A modified provision without a stored change
analysis gets an offline estimate computed on the spot (counted in ``Comparison.estimated``).
Documents are named by id ("CL-D-..."), "Entity/Title" or a unique substring; versions by
1-based number (negative counts from the newest) or by date (the version in force then).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel

from clauselens.analyzers.offline.change import offline_change_analysis
from clauselens.config import AlignSettings
from clauselens.errors import NotFoundError, UsageError
from clauselens.pipeline.versions import changes
from clauselens.pipeline.versions.align import align_clauses, stored_clauses
from clauselens.schemas.changes import ChangeClass, ChangeEvent
from clauselens.store import tables as t
from clauselens.store.queries import find_document, versions_of


class VersionInfo(BaseModel):
    number: int  # 1-based, by captured_at
    version_pk: int
    captured_at: datetime


class Comparison(BaseModel):
    """The changes between two versions of a document, most severe first."""

    document_id: str
    entity: str
    title: str
    versions: int
    from_version: VersionInfo
    to_version: VersionInfo
    counts: dict[str, int]
    events: list[ChangeEvent]
    texts: dict[int, str]  # clause pk -> text, for the diff of each event
    joined: dict[str, tuple[str, str]] = {}  # provision id -> whole old/new text (split, merge)
    estimated: int  # modified provisions given an offline estimate here (not stored)


def _pick_version(spec: str, versions: Sequence[VersionInfo]) -> VersionInfo:
    spec = spec.strip()
    if re.fullmatch(r"-?\d+", spec):
        n = int(spec)
        if 1 <= n <= len(versions):
            return versions[n - 1]
        if -len(versions) <= n <= -1:
            return versions[n]
        raise NotFoundError(f"version {n} does not exist: the document has {len(versions)}")
    try:
        at = datetime.fromisoformat(spec)
    except ValueError as exc:
        raise UsageError(f"a version is a number (1 = oldest) or a date, not {spec!r}") from exc
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    if len(spec) <= 10:  # a day: the version in force at its end
        at += timedelta(days=1) - timedelta(microseconds=1)
    in_force = [v for v in versions if v.captured_at <= at]
    if not in_force:
        raise NotFoundError(f"no version was captured by {spec}")
    return in_force[-1]


def _stored_rows(conn: sa.Connection, from_pk: int, to_pk: int) -> list[Any]:
    ch = t.changes
    return list(
        conn.execute(
            changes.events_query()
            .where(ch.c.from_version_pk == from_pk, ch.c.to_version_pk == to_pk)
            .order_by(ch.c.id)
        ).all()
    )


def _computed_rows(
    conn: sa.Connection, from_pk: int, to_pk: int, at: datetime, settings: AlignSettings | None
) -> list[Any]:
    """Change rows for two versions that are not consecutive (aligned here with ``settings``,
    the thresholds ingest aligns with, and not stored)."""
    old, new = stored_clauses(conn, from_pk), stored_clauses(conn, to_pk)
    p = t.provisions
    ids = {int(r[0]): str(r[1]) for r in conn.execute(sa.select(p.c.id, p.c.provision_id))}
    rows = []
    for pair in align_clauses([o.item for o in old], [n.item for n in new], settings):
        if pair.change is ChangeClass.UNCHANGED:
            continue
        o = old[pair.old] if pair.old is not None else None
        n = new[pair.new] if pair.new is not None else None
        owner = n if n is not None and pair.change is not ChangeClass.REMOVED else o
        provision_pk = owner.provision_pk if owner is not None else None
        rows.append(
            SimpleNamespace(
                change_class=pair.change.value,
                relation=pair.relation,
                at=at,
                similarity=pair.similarity,
                change_analysis=None,
                severity=None,
                analyzer=None,
                old_clause_pk=o.pk if o else None,
                new_clause_pk=n.pk if n else None,
                provision_id=ids.get(provision_pk or -1, "(none)"),
            )
        )
    return rows


def _joined_texts(
    event: ChangeEvent, events: Sequence[ChangeEvent], texts: dict[int, str]
) -> tuple[str, str]:
    """Old and new text of a modified provision, with split-off or merged-in parts joined
    (as ``changes.provision_texts`` does for stored changes)."""
    old, new = [event.old_clause_pk or 0], [event.new_clause_pk or 0]
    for other in events:
        if other is event or other.relation != event.relation:
            continue
        if event.relation == "split" and other.old_clause_pk == event.old_clause_pk:
            new.append(other.new_clause_pk or 0)
        if event.relation == "merge" and other.new_clause_pk == event.new_clause_pk:
            old.append(other.old_clause_pk or 0)
    return "\n\n".join(texts[pk] for pk in sorted(old)), "\n\n".join(
        texts[pk] for pk in sorted(new)
    )


def compare_versions(
    conn: sa.Connection,
    document: str,
    from_spec: str | None = None,
    to_spec: str | None = None,
    settings: AlignSettings | None = None,
) -> Comparison:
    """The changes between two versions (default: the last two), most severe first.

    Versions that are not consecutive are aligned here with ``settings`` (pass the
    ``Settings.align`` that ingest used; default ``AlignSettings()``).

    Stored change analyses are used; a modified provision without one gets an offline estimate
    computed here and not stored (``estimated`` counts them).
    """
    doc = find_document(conn, document)
    versions = [
        VersionInfo(number=i + 1, version_pk=v.pk, captured_at=v.captured_at)
        for i, v in enumerate(versions_of(conn, doc.pk))
    ]
    if len(versions) < 2:
        raise UsageError(
            f"{doc.entity}/{doc.title} has {len(versions)} version(s): nothing to compare"
        )
    to = _pick_version(to_spec, versions) if to_spec else versions[-1]
    frm = _pick_version(from_spec, versions) if from_spec else versions[max(to.number - 2, 0)]
    if frm.number >= to.number:
        raise UsageError(
            f"--from (version {frm.number}) must come before --to (version {to.number})"
        )
    consecutive = to.number == frm.number + 1
    rows = (
        _stored_rows(conn, frm.version_pk, to.version_pk)
        if consecutive
        else _computed_rows(conn, frm.version_pk, to.version_pk, to.captured_at, settings)
    )
    events = [changes.event_from_row(conn, r) for r in rows]
    pks = {pk for e in events for pk in (e.old_clause_pk, e.new_clause_pk) if pk is not None}
    c = t.clauses
    query = sa.select(c.c.id, c.c.text).where(c.c.id.in_(pks))
    texts = {int(r[0]): str(r[1]) for r in conn.execute(query)}
    joined = {
        e.provision_id: _joined_texts(e, events, texts)
        for e in events
        if e.change_class is ChangeClass.MODIFIED and e.relation in ("split", "merge")
    }
    estimated = 0
    for e in events:
        if e.change_class is ChangeClass.MODIFIED and e.change_analysis is None:
            analysis = offline_change_analysis(*_joined_texts(e, events, texts))
            e.change_analysis = analysis.model_dump(mode="json")
            e.severity, e.analyzer, e.impact = (
                analysis.severity,
                "offline",
                analysis.consumer_impact,
            )
            estimated += 1
    counts = Counter(e.change_class.value for e in events)
    total_new = conn.execute(
        sa.select(sa.func.count()).where(c.c.version_pk == to.version_pk)
    ).scalar_one()
    carried = len(
        {e.new_clause_pk for e in events if e.change_class is not ChangeClass.REMOVED} - {None}
    )
    return Comparison(
        document_id=doc.document_id,
        entity=doc.entity,
        title=doc.title,
        versions=len(versions),
        from_version=frm,
        to_version=to,
        counts={
            k.value: (total_new - carried if k is ChangeClass.UNCHANGED else counts.get(k.value, 0))
            for k in ChangeClass
        },
        events=sorted(events, key=changes.severity_order),
        texts=texts,
        joined=joined,
        estimated=estimated,
    )
