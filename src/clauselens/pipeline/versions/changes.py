"""Changes: what happened to each provision between two consecutive versions, and queries on it.

``align.align_version`` hands its pairs to ``record_changes``, which stores one ``changes`` row
per provision that was added, removed, modified, moved or cosmetically changed. *Unchanged* is
implicit: an aligned clause with no row for its version is unchanged (counted, never stored).
A re-alignment replaces a version's rows and keeps the change analyses of the pairs that recur.

Queries for the rest of the pipeline:

- ``analysis_origin``: the clause whose analysis stands for a clause (a cosmetic or moved clause
  keeps the analysis of the clause it came from).
- ``change_counts``, ``recent_changes``, ``document_change_summary``: activity for the CLI and
  export.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from clauselens.schemas.analysis import LEVEL_RANK, Level
from clauselens.schemas.changes import (
    KEEPS_ANALYSIS,
    ChangeClass,
    ChangeEvent,
    DocumentChangeSummary,
)
from clauselens.store import tables as t
from clauselens.store.queries import previous_version, standing_analysis
from clauselens.store.queries.pending import has_previous_version


@dataclass(frozen=True)
class Pair:
    """One aligned (or unaligned) clause pair. Indices are positions in each version's list.

    ``carries``: the new clause inherits the old clause's provision. A split-off part
    (``added``, ``relation="split"``) or a merged-away clause (``removed``, ``relation="merge"``)
    names the other clause but does not carry its provision.
    """

    old: int | None
    new: int | None
    change: ChangeClass
    similarity: float | None
    relation: str | None = None
    carries: bool = True


_IMPACT_WITHOUT_ANALYSIS: dict[ChangeClass, str] = {
    ChangeClass.ADDED: "New provision.",
    ChangeClass.REMOVED: "Provision removed.",
    ChangeClass.MODIFIED: "Wording changed; no change analysis yet.",
    ChangeClass.MOVED: "Moved within the document; wording unchanged.",
    ChangeClass.COSMETIC: "Cosmetic change only.",
}
_RELATION_NOTE = {
    "split": " Part of a clause that was split.",
    "merge": " Merged into another clause.",
    "moved": " Also moved.",
    "cosmetic": " Formatting also changed.",
    "technical": " A technical upgrade: re-extracted, not changed by the service.",
    # cosmetic reasons (``versions.cosmetic``) and boundary moves (``versions.boundaries``)
    "format": " Formatting or punctuation changed.",
    "links": " Only links changed (their text or targets).",
    "renumbered": " Renumbered; the text is the same.",
    "spelling": " Spelling corrected.",
    "boundaries": " The text moved and the clause boundaries shifted; no wording changed.",
}


_KEPT = ("change_analysis", "change_provenance", "analyzer", "severity")


def record_changes(
    conn: sa.Connection,
    document_pk: int,
    from_version_pk: int | None,
    to_version_pk: int,
    pairs: Sequence[Pair],
    old_clause_pks: Sequence[int],
    new_clause_pks: Sequence[int],
) -> None:
    """Replace the change rows of ``to_version_pk`` with those of ``pairs`` (idempotent)."""
    ch, c, v = t.changes, t.clauses, t.versions
    kept = {
        (r.old_clause_pk, r.new_clause_pk, r.change_class): {k: r._mapping[k] for k in _KEPT}
        for r in conn.execute(sa.select(ch).where(ch.c.to_version_pk == to_version_pk))
    }
    conn.execute(ch.delete().where(ch.c.to_version_pk == to_version_pk))
    if from_version_pk is None:
        return
    at = conn.execute(sa.select(v.c.captured_at).where(v.c.id == to_version_pk)).scalar_one()
    pks = list(old_clause_pks) + list(new_clause_pks)
    query = sa.select(c.c.id, c.c.provision_pk).where(c.c.id.in_(pks))
    provision = {int(r[0]): r[1] for r in conn.execute(query)}
    rows = []
    for p in pairs:
        if p.change is ChangeClass.UNCHANGED:
            continue
        old_pk = old_clause_pks[p.old] if p.old is not None else None
        new_pk = new_clause_pks[p.new] if p.new is not None else None
        owner = new_pk if p.change is not ChangeClass.REMOVED and new_pk is not None else old_pk
        if owner is None:  # pragma: no cover - every pair has the clause it is recorded on
            continue
        rows.append(
            {
                "document_pk": document_pk,
                "from_version_pk": from_version_pk,
                "to_version_pk": to_version_pk,
                "provision_pk": provision[owner],
                "change_class": p.change.value,
                "relation": p.relation,
                "old_clause_pk": old_pk,
                "new_clause_pk": new_pk,
                "similarity": p.similarity,
                "at": at,
                **kept.get((old_pk, new_pk, p.change.value), dict.fromkeys(_KEPT)),
            }
        )
    if rows:
        conn.execute(ch.insert(), rows)


def drop_orphan_provisions(conn: sa.Connection, version_pks: Sequence[int]) -> None:
    """Delete provisions first assigned in ``version_pks`` that no clause or change refers to."""
    p, c, ch = t.provisions, t.clauses, t.changes
    used = sa.union(
        sa.select(c.c.provision_pk).where(c.c.provision_pk.is_not(None)),
        sa.select(ch.c.provision_pk),
    )
    conn.execute(p.delete().where(p.c.first_version_pk.in_(version_pks), p.c.id.not_in(used)))


def analysis_origin(conn: sa.Connection, clause_pk: int) -> int:
    """The clause whose analysis applies to ``clause_pk``.

    Follows cosmetic and moved changes, and unchanged provisions, back to the clause where the
    provision's text was last added or modified (or the first version).
    """
    ch = t.changes
    current = clause_pk
    for _ in range(10_000):  # a chain is at most one step per version
        row = conn.execute(
            sa.select(ch.c.change_class, ch.c.old_clause_pk).where(ch.c.new_clause_pk == current)
        ).first()
        if row is not None:
            if row.change_class not in {k.value for k in KEEPS_ANALYSIS}:
                return current
            current = int(row.old_clause_pk)
            continue
        prev = _same_provision_before(conn, current)
        if prev is None:
            return current
        current = prev
    return current  # pragma: no cover - defensive bound


def _same_provision_before(conn: sa.Connection, clause_pk: int) -> int | None:
    """The clause of the same provision in the previous version, when the provision was there."""
    c = t.clauses
    version_pk, provision_pk = conn.execute(
        sa.select(c.c.version_pk, c.c.provision_pk).where(c.c.id == clause_pk)
    ).one()
    prev = previous_version(conn, int(version_pk))
    if prev is None or provision_pk is None:
        return None
    found = conn.execute(
        sa.select(c.c.id).where(c.c.version_pk == prev.pk, c.c.provision_pk == provision_pk)
    ).scalar_one_or_none()
    return int(found) if found is not None else None


def change_counts(conn: sa.Connection, version_pk: int) -> dict[str, int]:
    """Counts by class for ``version_pk`` against its previous version, unchanged included."""
    ch, c = t.changes, t.clauses
    rows = conn.execute(
        sa.select(ch.c.change_class, ch.c.new_clause_pk).where(ch.c.to_version_pk == version_pk)
    ).all()
    counts = Counter(r.change_class for r in rows)
    clauses = conn.execute(
        sa.select(sa.func.count()).where(c.c.version_pk == version_pk)
    ).scalar_one()
    # a removed clause, or text moved out of a clause that is gone (moved, no new clause)
    with_row = len(
        {r.new_clause_pk for r in rows if r.change_class != ChangeClass.REMOVED.value} - {None}
    )
    out = {k.value: counts.get(k.value, 0) for k in ChangeClass}
    out[ChangeClass.UNCHANGED.value] = (
        clauses - with_row if has_previous_version(conn, version_pk) else 0
    )
    return out


def _clause_severity(conn: sa.Connection, clause_pk: int | None) -> Level | None:
    """The severity of the analysis standing for a clause (an analyst's edit included), if any."""
    if clause_pk is None:
        return None
    c = t.clauses.c
    origin = analysis_origin(conn, clause_pk)
    sha = conn.execute(sa.select(c.clause_sha256).where(c.id == origin)).scalar_one()
    found = standing_analysis(conn, sha)
    return found.severity if found is not None else None


def event_from_row(conn: sa.Connection, row: Any) -> ChangeEvent:
    """A ``ChangeEvent`` from a ``changes`` row joined with its provision id."""
    change = ChangeClass(row.change_class)
    detail = row.change_analysis if isinstance(row.change_analysis, dict) else None
    severity: Level | None = row.severity if row.severity in LEVEL_RANK else None
    if severity is None and change in (ChangeClass.ADDED, ChangeClass.REMOVED):
        owner = row.new_clause_pk if change is ChangeClass.ADDED else row.old_clause_pk
        severity = _clause_severity(conn, owner)
    impact = (detail or {}).get("consumer_impact") or _IMPACT_WITHOUT_ANALYSIS[change]
    impact += _RELATION_NOTE.get(row.relation or "", "") if detail is None else ""
    head_pk = row.new_clause_pk if row.new_clause_pk is not None else row.old_clause_pk
    path = conn.execute(
        sa.select(t.clauses.c.heading_path).where(t.clauses.c.id == head_pk)
    ).scalar_one()
    return ChangeEvent(
        date=row.at,
        provision_id=row.provision_id,
        change_class=change,
        relation=row.relation,
        severity=severity,
        impact=" ".join(str(impact).split()),
        heading_path=[str(h) for h in (path or [])],
        similarity=row.similarity,
        analyzer=row.analyzer,
        change_analysis=detail,
        old_clause_pk=row.old_clause_pk,
        new_clause_pk=row.new_clause_pk,
    )


def events_query() -> sa.Select[Any]:
    ch, p = t.changes, t.provisions
    return sa.select(ch, p.c.provision_id).join(p, p.c.id == ch.c.provision_pk)


def version_changes(conn: sa.Connection, version_pk: int) -> list[ChangeEvent]:
    """Every stored change of ``version_pk`` (against its previous version), most severe first."""
    rows = conn.execute(
        events_query().where(t.changes.c.to_version_pk == version_pk).order_by(t.changes.c.id)
    ).all()
    return sorted((event_from_row(conn, r) for r in rows), key=severity_order)


_CLASS_ORDER = {
    ChangeClass.MODIFIED: 0,
    ChangeClass.ADDED: 1,
    ChangeClass.REMOVED: 2,
    ChangeClass.MOVED: 3,
    ChangeClass.COSMETIC: 4,
    ChangeClass.UNCHANGED: 5,
}


def severity_order(event: ChangeEvent) -> tuple[int, int, int, float]:
    """Sort key: substantive before moved/cosmetic, then by severity, class, least similar."""
    substantive = event.change_class in (
        ChangeClass.ADDED,
        ChangeClass.REMOVED,
        ChangeClass.MODIFIED,
    )
    rank = LEVEL_RANK.get(event.severity or "", -1)
    return (
        0 if substantive else 1,
        -rank,
        _CLASS_ORDER[event.change_class],
        event.similarity or 0.0,
    )


def recent_changes(
    conn: sa.Connection,
    *,
    document_pk: int | None = None,
    provision_pk: int | None = None,
    limit: int = 10,
    substantive_only: bool = False,
) -> list[ChangeEvent]:
    """The newest change events of a document or a provision, newest first."""
    ch = t.changes
    query = events_query()
    if document_pk is not None:
        query = query.where(ch.c.document_pk == document_pk)
    if provision_pk is not None:
        query = query.where(ch.c.provision_pk == provision_pk)
    if substantive_only:
        query = query.where(ch.c.change_class.in_(["added", "removed", "modified"]))
    rows = conn.execute(query.order_by(ch.c.at.desc(), ch.c.id).limit(limit * 4 + 50)).all()
    events = [event_from_row(conn, r) for r in rows]
    events.sort(key=lambda e: (-e.date.timestamp(), severity_order(e)))
    return events[:limit]


def document_change_summary(
    conn: sa.Connection, document_pk: int, limit: int = 5
) -> DocumentChangeSummary:
    """Versions, counts by class, the last change and the newest substantive events."""
    d, v, ch = t.documents, t.versions, t.changes
    document_id = conn.execute(sa.select(d.c.document_id).where(d.c.id == document_pk)).scalar_one()
    versions = conn.execute(
        sa.select(sa.func.count()).where(v.c.document_pk == document_pk)
    ).scalar_one()
    counts: dict[str, int] = {
        str(r[0]): int(r[1])
        for r in conn.execute(
            sa.select(ch.c.change_class, sa.func.count())
            .where(ch.c.document_pk == document_pk)
            .group_by(ch.c.change_class)
        )
    }
    last = conn.execute(
        sa.select(sa.func.max(ch.c.at)).where(ch.c.document_pk == document_pk)
    ).scalar_one_or_none()
    recent = recent_changes(conn, document_pk=document_pk, limit=limit, substantive_only=True)
    levels = [e.severity for e in recent if e.severity is not None]
    return DocumentChangeSummary(
        document_id=document_id,
        versions=versions,
        last_change=last,
        counts={
            k.value: int(counts.get(k.value, 0))
            for k in ChangeClass
            if k is not ChangeClass.UNCHANGED
        },
        highest_severity=max(levels, key=lambda s: LEVEL_RANK[s]) if levels else None,
        recent=recent,
    )


def provision_texts(conn: sa.Connection, change_pk: int) -> tuple[str, str]:
    """Old and new text of a modified provision, for its change analysis.

    After a split the new text is the kept clause followed by the parts split off it; after a
    merge the old text is the kept clause followed by the clauses merged into it (each in
    document order), so the analysis compares the whole wording and not just one part.
    """
    ch, c = t.changes, t.clauses
    row = conn.execute(sa.select(ch).where(ch.c.id == change_pk)).one()
    old_pks, new_pks = [row.old_clause_pk], [row.new_clause_pk]
    if row.relation in ("split", "merge"):
        side = ch.c.old_clause_pk if row.relation == "split" else ch.c.new_clause_pk
        anchor = row.old_clause_pk if row.relation == "split" else row.new_clause_pk
        others = conn.execute(
            sa.select(ch.c.new_clause_pk if row.relation == "split" else ch.c.old_clause_pk).where(
                ch.c.to_version_pk == row.to_version_pk,
                ch.c.relation == row.relation,
                ch.c.id != row.id,
                side == anchor,
            )
        ).scalars()
        (new_pks if row.relation == "split" else old_pks).extend(int(pk) for pk in others)

    def joined(pks: list[int]) -> str:
        rows = conn.execute(sa.select(c.c.text).where(c.c.id.in_(pks)).order_by(c.c.idx))
        return "\n\n".join(rows.scalars())

    return joined(old_pks), joined(new_pks)
