"""The review queue, computed by the store: filters, order, pages, totals and flag counts.

Queue order, what an analyst would look at first: analyses of a text in force before
superseded ones (``analyses.superseded``: no latest version holds the text any more, see
``store.queries.superseded``; they sink rather than hide, see ``review.queue``), then the
analysis that stands for its text before those another one outranks (``analyses.outranked``:
an offline analysis of a text Claude also analysed, say; ``store.queries.analyses``), then clauses
that say something before those that do not (``analyses.substance``: operative text, then a
preamble, then nothing of substance such as a date line, a language selector or a table of
contents), then the most urgent flag (``analyses.top_priority``, the lowest flag priority; an
analysis without flags comes after every flagged one), then severity as the analysis stands
(high, medium, low, then none), then novelty (``analyses.novelty``: a clause added in a later
version, then one reworded, then one of the first version), then uniqueness
(``analyses.similar_platforms``: a provision no other platform has, then those few platforms
share, then common ones; not compared last), then id. ``superseded``, ``outranked``,
``substance`` and ``novelty`` are kept by ``store.placement``, ``similar_platforms`` by
``similarity.uniqueness``; ``severity`` and ``confidence``
are the columns, which ``review.decisions.edit`` keeps equal to the analyst's edit; the index
``ix_analyses_queue`` (``review_status, superseded, outranked, substance, top_priority,
severity, novelty, similar_platforms, id``) serves the default queue in order.

An analysis belongs to the clause it was first made for (``clause_pk``), else to the newest
clause with its text; that clause gives its heading path, document and entity, and its
version's capture (the one the text was first seen in) gives the provenance an analyst checks:
source URL, archive URL, SHA-256 of the captured bytes, capture time.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from clauselens.schemas import LEVEL_RANK, ReviewEvent
from clauselens.schemas.rows import StandingAnalysis
from clauselens.store import tables as t
from clauselens.store.queries.analyses import standing_analyses, standing_data
from clauselens.store.queries.superseded import Supersession, superseded_by
from clauselens.substance import assess

FlagRow = tuple[str, int, str]  # code, priority, reason


@dataclass(frozen=True)
class QueueFilter:
    """Narrow the queue; ``None`` means any. ``status`` is a review status."""

    flag: str | None = None
    entity: str | None = None
    severity: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class QueueRow:
    """One analysis as the queue shows it; ``analysis`` is the one that stands (edit first)."""

    analysis_pk: int
    analysis: dict[str, Any] | None
    heading_path: list[str]
    entity: str | None
    document_title: str | None
    analyzer: str
    model: str
    status: str
    severity: str | None
    confidence: str | None
    review_status: str
    reviewed_by: str | None
    flags: list[FlagRow]
    substance: int = 0  # ``substance.Substance``
    novelty: int = 2  # ``store.placement.Novelty``
    similar_platforms: int | None = (
        None  # other platforms with a similar provision; None: not compared
    )
    substance_note: str = ""  # what the clause says, in a phrase (``substance.Assessment.note``)
    superseded: bool = False  # its text is in force in no latest version
    superseded_by: Supersession | None = None  # the version that replaced it, when known
    outranked: bool = False  # another analysis of its text stands for it
    outranked_by: StandingAnalysis | None = None  # that analysis, when known


@dataclass(frozen=True)
class CaptureSource:
    """Where the clause of an analysis comes from: its document and the capture of its version."""

    document_id: str
    source_url: str | None
    archive_url: str | None
    content_sha256: str
    captured_at: datetime
    last_verified: datetime
    metadata_source: str  # manifest | options | path


@dataclass(frozen=True)
class ItemRow:
    """One analysis with what an analyst needs to decide on it."""

    row: QueueRow
    clause_text: str | None
    clause_truncation_reason: str | None
    input_truncated: bool
    original: dict[str, Any] | None
    provenance: dict[str, Any]
    error: str | None
    reviewed_at: datetime | None
    capture: CaptureSource | None


# --- pieces ---------------------------------------------------------------------------------


def severity_order() -> sa.ColumnElement[int]:
    """High first, then medium, low, none: ``-LEVEL_RANK``, and 1 for no severity."""
    whens = {level: -rank for level, rank in LEVEL_RANK.items()}
    return sa.case(whens, value=t.analyses.c.severity, else_=1)


NOT_COMPARED = 2**31 - 1
"""``uniqueness_order`` of an analysis not compared across platforms: after every count."""


def uniqueness_order() -> sa.ColumnElement[int]:
    """Fewer other platforms with a similar provision first; not compared (NULL) last. An
    expression, not ``NULLS LAST``, so that ``neighbours`` can compare it in a row value."""
    return sa.func.coalesce(t.analyses.c.similar_platforms, NOT_COMPARED)


def _order() -> list[sa.ColumnElement[Any]]:
    a = t.analyses.c
    return [
        a.superseded,
        a.outranked,
        a.substance,
        a.top_priority,
        severity_order(),
        a.novelty,
        uniqueness_order(),
        a.id,
    ]


def _newest_clause_with_text() -> sa.ScalarSelect[Any]:
    a, c = t.analyses.c, t.clauses.c
    return sa.select(sa.func.max(c.id)).where(c.clause_sha256 == a.clause_sha256).scalar_subquery()


def clause_of_analysis() -> sa.ColumnElement[Any]:
    """The clause an analysis belongs to: the one it was made for, else the newest with its
    text (module docstring)."""
    return sa.func.coalesce(t.analyses.c.clause_pk, _newest_clause_with_text())


def next_heading_path() -> sa.ScalarSelect[Any]:
    """The heading path of the clause after ``clauses`` in its version (NULL for the last)."""
    c, after = t.clauses.c, t.clauses.alias("next_clause").c
    return (
        sa.select(after.heading_path)
        .where(after.version_pk == c.version_pk, after.idx == c.idx + 1)
        .scalar_subquery()
    )


def _of_entity(entity: str) -> sa.ColumnElement[bool]:
    """The analyses of ``entity``'s clauses. Written so that the queue index (which holds
    ``clause_pk``) answers it: analyses without a ``clause_pk`` are listed apart, once."""
    c, v, d = t.clauses.c, t.versions.c, t.documents.c
    a = t.analyses.c
    clauses = (
        sa.select(c.id)
        .join(t.versions, v.id == c.version_pk)
        .join(t.documents, d.id == v.document_pk)
        .where(d.entity == entity)
    )
    orphans = sa.select(a.id).where(a.clause_pk.is_(None), _newest_clause_with_text().in_(clauses))
    return sa.or_(a.clause_pk.in_(clauses), a.id.in_(orphans))


def _has_flag(code: str) -> sa.ColumnElement[bool]:
    """Carries flag ``code``: an id list read once from ``ix_flags_code`` (``code,
    analysis_pk``), cheaper than a lookup per analysis."""
    f = t.flags.c
    return t.analyses.c.id.in_(sa.select(f.analysis_pk).where(f.code == code))


def _conditions(filters: QueueFilter, *, with_flag: bool = True) -> list[sa.ColumnElement[bool]]:
    a = t.analyses.c
    found: list[sa.ColumnElement[bool]] = []
    if filters.status is not None:
        found.append(a.review_status == filters.status)
    if filters.severity is not None:
        found.append(a.severity == filters.severity)
    if filters.entity is not None:
        found.append(_of_entity(filters.entity))
    if with_flag and filters.flag is not None:
        found.append(_has_flag(filters.flag))
    return found


def _flags_of(conn: sa.Connection, pks: list[int]) -> dict[int, list[FlagRow]]:
    f = t.flags.c
    found: dict[int, list[FlagRow]] = {pk: [] for pk in pks}
    rows = conn.execute(
        sa.select(f.analysis_pk, f.code, f.priority, f.reason)
        .where(f.analysis_pk.in_(pks))
        .order_by(f.priority, f.code)
    )
    for row in rows:
        found[row.analysis_pk].append((row.code, row.priority, row.reason))
    return found


def _detail_query(pks: list[int]) -> sa.Select[Any]:
    a, c, v, d = t.analyses.c, t.clauses.c, t.versions.c, t.documents.c
    inner = sa.select(t.analyses, clause_of_analysis().label("the_clause_pk")).where(a.id.in_(pks))
    sub = inner.subquery()
    return (
        sa.select(
            sub,
            c.heading_path,
            c.text.label("clause_text"),
            c.truncation_reason,
            c.idx.label("clause_idx"),
            next_heading_path().label("next_path"),
            d.entity,
            d.title.label("document_title"),
            v.document_pk,
        )
        .select_from(sub)
        .outerjoin(t.clauses, c.id == sub.c.the_clause_pk)
        .outerjoin(t.versions, v.id == c.version_pk)
        .outerjoin(t.documents, d.id == v.document_pk)
    )


def _supersessions(conn: sa.Connection, rows: Iterable[Any]) -> dict[int, Supersession]:
    """analysis id → the version that replaced its text, for the superseded ones of ``rows``
    (``_detail_query`` rows): one read for a page."""
    gone = [r for r in rows if r.superseded and r.document_pk is not None]
    found = superseded_by(conn, [(r.clause_sha256, r.document_pk) for r in gone])
    pairs = ((r.id, found.get((r.clause_sha256, r.document_pk))) for r in gone)
    return {pk: by for pk, by in pairs if by is not None}


def _outrankers(conn: sa.Connection, rows: Iterable[Any]) -> dict[int, StandingAnalysis]:
    """analysis id → the analysis that stands for its text instead, for the outranked ones of
    ``rows``: one read for a page."""
    beaten = [r for r in rows if r.outranked]
    standing = standing_analyses(conn, [r.clause_sha256 for r in beaten])
    pairs = ((r.id, standing.get(r.clause_sha256)) for r in beaten)
    return {pk: by for pk, by in pairs if by is not None and by.pk != pk}


def _queue_row(
    row: Any,
    flags: list[FlagRow],
    supersessions: dict[int, Supersession],
    outrankers: dict[int, StandingAnalysis],
) -> QueueRow:
    return QueueRow(
        analysis_pk=row.id,
        analysis=standing_data(row),
        heading_path=list(row.heading_path or []),
        entity=row.entity,
        document_title=row.document_title,
        analyzer=row.analyzer,
        model=row.model,
        status=row.status,
        severity=row.severity,
        confidence=row.confidence,
        review_status=row.review_status,
        reviewed_by=row.reviewed_by,
        flags=flags,
        substance=row.substance,
        novelty=row.novelty,
        similar_platforms=row.similar_platforms,
        substance_note=_substance_note(row),
        superseded=bool(row.superseded),
        superseded_by=supersessions.get(row.id),
        outranked=bool(row.outranked),
        outranked_by=outrankers.get(row.id),
    )


def _substance_note(row: Any) -> str:
    if row.clause_text is None:
        return "no clause found for this analysis"
    return assess(row.clause_text, row.heading_path or (), row.clause_idx, row.next_path).note


# --- questions ------------------------------------------------------------------------------


def queue_page(
    conn: sa.Connection, filters: QueueFilter, *, limit: int | None = None, offset: int = 0
) -> list[QueueRow]:
    """The analyses matching ``filters`` in queue order, ``limit`` of them from ``offset``."""
    a = t.analyses.c
    ids = sa.select(a.id).where(*_conditions(filters)).order_by(*_order())
    if limit is not None or offset:
        ids = ids.limit(limit).offset(offset)
    pks = list(conn.execute(ids).scalars())
    if not pks:
        return []
    rows = {row.id: row for row in conn.execute(_detail_query(pks))}
    flags = _flags_of(conn, pks)
    supersessions = _supersessions(conn, rows.values())
    outrankers = _outrankers(conn, rows.values())
    return [_queue_row(rows[pk], flags[pk], supersessions, outrankers) for pk in pks]


def queue_total(conn: sa.Connection, filters: QueueFilter) -> int:
    """How many analyses match ``filters``."""
    query = sa.select(sa.func.count()).select_from(t.analyses).where(*_conditions(filters))
    return int(conn.execute(query).scalar_one())


def _flags_by_code(conn: sa.Connection, where: sa.ColumnElement[bool] | None) -> Counter[str]:
    """How many of the analyses ``where`` holds carry each flag (every analysis: ``None``)."""
    f = t.flags.c
    query = sa.select(f.code, sa.func.count()).group_by(f.code)
    if where is not None:
        query = query.where(f.analysis_pk.in_(sa.select(t.analyses.c.id).where(where)))
    return Counter({code: int(n) for code, n in conn.execute(query)})


def flag_counts(
    conn: sa.Connection, filters: QueueFilter, *, matching_total: int | None = None
) -> dict[str, int]:
    """How many analyses carry each flag among those matching ``filters`` (its flag ignored);
    the most common first, ties by code. ``matching_total``: ``queue_total`` of ``filters``
    without its flag, when the caller has it.

    When the filters keep most analyses (the pending queue, typically), the flags of the few
    they leave out are counted and taken from the counts of every flag, so the work follows
    the smaller side.
    """
    conditions = _conditions(filters, with_flag=False)
    if not conditions:
        found = _flags_by_code(conn, None)
    else:
        matching = sa.and_(*conditions)
        everything = conn.execute(sa.select(sa.func.count()).select_from(t.analyses)).scalar_one()
        if matching_total is None:
            matching_total = queue_total(conn, replace(filters, flag=None))
        if 2 * matching_total <= everything:
            found = _flags_by_code(conn, matching)
        else:
            left_out = sa.case((matching, 0), else_=1) == 1  # NULL-safe "not matching"
            found = _flags_by_code(conn, None) - _flags_by_code(conn, left_out)
    return dict(sorted(found.items(), key=lambda kv: (-kv[1], kv[0])))


def neighbours(
    conn: sa.Connection, filters: QueueFilter, analysis_pk: int
) -> tuple[int | None, int | None]:
    """The analyses before and after ``analysis_pk`` in the filtered queue; when it is not in
    that queue, ``(None, the queue's first)``."""
    a = t.analyses.c
    key = sa.select(*_order()).where(a.id == analysis_pk, *_conditions(filters))
    here = conn.execute(key).first()
    matching = sa.select(a.id).where(*_conditions(filters))
    if here is None:
        return None, conn.execute(matching.order_by(*_order()).limit(1)).scalar()
    row_key, at = sa.tuple_(*_order()), sa.tuple_(*(sa.literal(v) for v in here))
    before = matching.where(row_key < at).order_by(*(e.desc() for e in _order())).limit(1)
    after = matching.where(row_key > at).order_by(*_order()).limit(1)
    return conn.execute(before).scalar(), conn.execute(after).scalar()


def capture_source(conn: sa.Connection, clause_pk: int) -> CaptureSource | None:
    """The document and capture a clause was read from (``None`` for an unknown clause)."""
    c, v, d, cap = t.clauses.c, t.versions.c, t.documents.c, t.captures.c
    query = (
        sa.select(
            d.document_id,
            d.last_verified,
            cap.source_url,
            cap.archive_url,
            cap.content_sha256,
            cap.captured_at,
            cap.metadata_source,
        )
        .select_from(t.clauses)
        .join(t.versions, v.id == c.version_pk)
        .join(t.documents, d.id == v.document_pk)
        .join(t.captures, cap.id == v.capture_pk)
        .where(c.id == clause_pk)
    )
    found = conn.execute(query).first()
    return None if found is None else CaptureSource(**found._asdict())


def item_row(conn: sa.Connection, analysis_pk: int) -> ItemRow | None:
    """One analysis with its clause, flags and provenance; ``None`` when there is none."""
    row = conn.execute(_detail_query([analysis_pk])).first()
    if row is None:
        return None
    capture = capture_source(conn, row.the_clause_pk) if row.the_clause_pk else None
    return ItemRow(
        row=_queue_row(
            row,
            _flags_of(conn, [analysis_pk])[analysis_pk],
            _supersessions(conn, [row]),
            _outrankers(conn, [row]),
        ),
        clause_text=row.clause_text,
        clause_truncation_reason=row.truncation_reason,
        input_truncated=bool(row.input_truncated),
        original=row.analysis,
        provenance=row.provenance or {},
        error=row.error,
        reviewed_at=row.reviewed_at,
        capture=capture,
    )


def entities(conn: sa.Connection) -> list[str]:
    """Every entity with a document in the store (for filters)."""
    found = conn.execute(sa.select(t.documents.c.entity).distinct()).scalars()
    return sorted(found)


def review_events(conn: sa.Connection, analysis_pk: int) -> list[ReviewEvent]:
    """The audit trail of one analysis, oldest first."""
    e = t.review_events.c
    rows = conn.execute(
        sa.select(t.review_events).where(e.analysis_pk == analysis_pk).order_by(e.at, e.id)
    ).all()
    return [ReviewEvent.model_validate(row._asdict()) for row in rows]


def latest_review_event(conn: sa.Connection, analysis_pk: int) -> ReviewEvent | None:
    """The latest event of one analysis's audit trail (the last ``review_events`` gives), if
    any."""
    e = t.review_events.c
    row = conn.execute(
        sa.select(t.review_events)
        .where(e.analysis_pk == analysis_pk)
        .order_by(e.at.desc(), e.id.desc())
        .limit(1)
    ).first()
    return None if row is None else ReviewEvent.model_validate(row._asdict())


def oldest_waiting(conn: sa.Connection, filters: QueueFilter) -> tuple[QueueRow, datetime] | None:
    """The analysis matching ``filters`` that has waited longest (generated first, then id),
    with when it was generated."""
    a = t.analyses.c
    query = (
        sa.select(a.id, a.generated_at)
        .where(*_conditions(filters))
        .order_by(a.generated_at, a.id)
        .limit(1)
    )
    found = conn.execute(query).first()
    if found is None:
        return None
    pk = int(found.id)
    row = conn.execute(_detail_query([pk])).one()
    flags = _flags_of(conn, [pk])[pk]
    supersessions, outrankers = _supersessions(conn, [row]), _outrankers(conn, [row])
    return _queue_row(row, flags, supersessions, outrankers), found.generated_at
