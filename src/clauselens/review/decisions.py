"""Review: an analyst's decision on an analysis, and the append-only audit trail of decisions.

States: ``pending`` (never reviewed) → ``approved`` | ``edited`` | ``rejected``. Re-review is
allowed: every action appends a new ``review_events`` row (reviewer, time, note, and for an
edit the analysis before and after) and updates the analysis's review columns in the same
transaction. The store refuses UPDATE and DELETE on ``review_events`` (migration 0002).

An edit is a patch of dotted field paths (``institutional_analysis.governance_exposure.level``,
``evidence_quotes``, ``applicable_agencies.0.name``) applied to the analysis as it stands, then
validated with the same two layers as model output (``pipeline.validate``), with the clause text
and the input's truncation as context. An invalid edit raises ``ReviewError`` with every reason
and stores nothing.

The queue (``list_queue``) is ordered by the most urgent flag (lowest priority number), then by
severity (high first), then by id.
"""

from __future__ import annotations

import copy
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict

from clauselens.errors import NotFoundError, ReviewError
from clauselens.review.flags import Flag
from clauselens.schemas import LEVEL_RANK
from clauselens.schemas.validate import InvalidAnalysis, validate_analysis
from clauselens.store import insert_pk
from clauselens.store import tables as t

Action = Literal["approve", "edit", "reject"]
REVIEW_STATUSES = ("pending", "approved", "edited", "rejected")
_STATUS_AFTER: dict[str, str] = {"approve": "approved", "edit": "edited", "reject": "rejected"}
_NO_FLAG_PRIORITY = 10_000


class ReviewEvent(BaseModel):
    """One past action in the audit trail."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: int
    analysis_pk: int
    action: Action
    reviewer: str
    at: datetime
    note: str | None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None

    def changes(self) -> list[tuple[str, Any, Any]]:
        """The fields an edit changed, as ``(dotted path, before, after)``."""
        if self.before is None or self.after is None:
            return []
        return diff_paths(self.before, self.after)


@dataclass(frozen=True)
class QueueFilter:
    """Narrow the queue; ``None`` means any. ``status`` is a review status."""

    flag: str | None = None
    entity: str | None = None
    severity: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class QueueItem:
    """One analysis as the queue lists it (severity and title from the analysis as it stands)."""

    analysis_pk: int
    title: str
    entity: str | None
    document_title: str | None
    heading_path: list[str]
    analyzer: str
    model: str
    status: str
    severity: str | None
    confidence: str | None
    review_status: str
    reviewed_by: str | None
    flags: list[Flag] = field(default_factory=list)

    @property
    def top_priority(self) -> int:
        return min((f.priority for f in self.flags), default=_NO_FLAG_PRIORITY)

    def sort_key(self) -> tuple[int, int, int]:
        return (self.top_priority, -LEVEL_RANK.get(self.severity or "", -1), self.analysis_pk)


@dataclass(frozen=True)
class ReviewItem:
    """Everything an analyst needs to decide on one analysis."""

    item: QueueItem
    clause_text: str | None
    clause_truncation_reason: str | None
    input_truncated: bool
    analysis: dict[str, Any] | None  # as it stands: the analyst's edit when there is one
    original: dict[str, Any] | None  # as the analyzer produced it
    provenance: dict[str, Any]
    error: str | None
    reviewed_at: datetime | None
    history: list[ReviewEvent]


# --- patches --------------------------------------------------------------------------------


def diff_paths(before: Any, after: Any, prefix: str = "") -> list[tuple[str, Any, Any]]:
    """Leaf-level differences between two JSON values (lists compare whole)."""
    if isinstance(before, dict) and isinstance(after, dict):
        found: list[tuple[str, Any, Any]] = []
        for key in list(dict.fromkeys([*before, *after])):
            path = f"{prefix}.{key}" if prefix else str(key)
            found += diff_paths(before.get(key), after.get(key), path)
        return found
    return [] if before == after else [(prefix, before, after)]


def apply_patch(data: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of ``data`` with each dotted path in ``patch`` set to its value."""
    result = copy.deepcopy(data)
    problems: list[str] = []
    for path, value in patch.items():
        parts = path.split(".")
        if not all(parts):
            problems.append(f"{path!r} is not a field path")
            continue
        target: Any = result
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            where = ".".join(parts[: depth + 1])
            if isinstance(target, list):
                if not part.isdigit() or int(part) >= len(target):
                    problems.append(f"{where}: no such list item (the list has {len(target)})")
                    break
                index = int(part)
                if last:
                    target[index] = value
                else:
                    target = target[index]
            elif isinstance(target, dict):
                if last:
                    target[part] = value
                elif part not in target:
                    problems.append(f"{where}: no such field")
                    break
                else:
                    target = target[part]
            else:
                problems.append(f"{where}: {'.'.join(parts[:depth])} has no fields")
                break
    if problems:
        raise ReviewError("edit refused: the patch does not fit the analysis", problems)
    return result


# --- reading --------------------------------------------------------------------------------


def _clause_pk_expr() -> sa.ColumnElement[Any]:
    a, c = t.analyses.c, t.clauses.c
    by_sha = (
        sa.select(sa.func.max(c.id)).where(c.clause_sha256 == a.clause_sha256).scalar_subquery()
    )
    return sa.func.coalesce(a.clause_pk, by_sha)


def _item_query() -> sa.Select[Any]:
    c, v, d = t.clauses.c, t.versions.c, t.documents.c
    clause_pk = _clause_pk_expr().label("the_clause_pk")
    inner = sa.select(t.analyses, clause_pk).subquery()
    return (
        sa.select(
            inner,
            c.heading_path,
            c.text.label("clause_text"),
            c.truncation_reason,
            d.entity,
            d.title.label("document_title"),
        )
        .select_from(inner)
        .outerjoin(t.clauses, c.id == inner.c.the_clause_pk)
        .outerjoin(t.versions, v.id == c.version_pk)
        .outerjoin(t.documents, d.id == v.document_pk)
        .order_by(inner.c.id)
    )


def _flags_by_analysis(
    conn: sa.Connection, pks: Iterable[int] | None = None
) -> dict[int, list[Flag]]:
    f = t.flags.c
    query = sa.select(f.analysis_pk, f.code, f.priority, f.reason).order_by(f.priority, f.code)
    if pks is not None:
        query = query.where(f.analysis_pk.in_(list(pks)))
    found: dict[int, list[Flag]] = defaultdict(list)
    for row in conn.execute(query):
        found[row.analysis_pk].append(Flag(row.code, row.priority, row.reason))
    return found


def _queue_item(row: Any, flags: list[Flag]) -> QueueItem:
    analysis = row.reviewed_analysis or row.analysis or {}
    heading = list(row.heading_path or [])
    fallback = " › ".join(heading) or f"analysis {row.id}"
    return QueueItem(
        analysis_pk=row.id,
        title=analysis.get("title") or fallback,
        entity=row.entity,
        document_title=row.document_title,
        heading_path=heading,
        analyzer=row.analyzer,
        model=row.model,
        status=row.status,
        severity=analysis.get("severity"),
        confidence=analysis.get("confidence"),
        review_status=row.review_status,
        reviewed_by=row.reviewed_by,
        flags=flags,
    )


def _matches(item: QueueItem, filters: QueueFilter, *, with_flag: bool = True) -> bool:
    checks = [
        filters.entity is None or item.entity == filters.entity,
        filters.severity is None or item.severity == filters.severity,
        filters.status is None or item.review_status == filters.status,
        not with_flag or filters.flag is None or any(f.code == filters.flag for f in item.flags),
    ]
    return all(checks)


def _all_items(engine: sa.Engine) -> list[QueueItem]:
    with engine.connect() as conn:
        rows = conn.execute(_item_query()).all()
        flags = _flags_by_analysis(conn)
    return [_queue_item(row, flags.get(row.id, [])) for row in rows]


def list_queue(engine: sa.Engine, filters: QueueFilter | None = None) -> list[QueueItem]:
    """The analyses matching ``filters``, most urgent first."""
    filters = filters or QueueFilter()
    items = [i for i in _all_items(engine) if _matches(i, filters)]
    return sorted(items, key=QueueItem.sort_key)


def flag_counts(engine: sa.Engine, filters: QueueFilter | None = None) -> dict[str, int]:
    """How many analyses carry each flag, among those matching ``filters`` (its flag ignored)."""
    filters = filters or QueueFilter()
    counts: Counter[str] = Counter()
    for item in _all_items(engine):
        if _matches(item, filters, with_flag=False):
            counts.update(f.code for f in item.flags)
    return dict(counts.most_common())


def entities(engine: sa.Engine) -> list[str]:
    """Every entity with a document in the store (for filters)."""
    with engine.connect() as conn:
        found = conn.execute(sa.select(t.documents.c.entity).distinct()).scalars()
        return sorted(found)


def history(engine: sa.Engine, analysis_pk: int) -> list[ReviewEvent]:
    """The audit trail of one analysis, oldest first."""
    with engine.connect() as conn:
        _require(conn, analysis_pk)
        return _history(conn, analysis_pk)


def _history(conn: sa.Connection, analysis_pk: int) -> list[ReviewEvent]:
    e = t.review_events.c
    rows = conn.execute(
        sa.select(t.review_events).where(e.analysis_pk == analysis_pk).order_by(e.at, e.id)
    ).all()
    return [ReviewEvent.model_validate(row._asdict()) for row in rows]


def _require(conn: sa.Connection, analysis_pk: int) -> Any:
    row = conn.execute(sa.select(t.analyses).where(t.analyses.c.id == analysis_pk)).first()
    if row is None:
        raise NotFoundError(f"no analysis with id {analysis_pk}")
    return row


def get_item(engine: sa.Engine, analysis_pk: int) -> ReviewItem:
    """One analysis with its clause, flags, provenance and history."""
    with engine.connect() as conn:
        inner = _item_query().subquery()
        row = conn.execute(sa.select(inner).where(inner.c.id == analysis_pk)).first()
        if row is None:
            raise NotFoundError(f"no analysis with id {analysis_pk}")
        flags = _flags_by_analysis(conn, [analysis_pk]).get(analysis_pk, [])
        events = _history(conn, analysis_pk)
    return ReviewItem(
        item=_queue_item(row, flags),
        clause_text=row.clause_text,
        clause_truncation_reason=row.truncation_reason,
        input_truncated=bool(row.input_truncated),
        analysis=row.reviewed_analysis or row.analysis,
        original=row.analysis,
        provenance=row.provenance or {},
        error=row.error,
        reviewed_at=row.reviewed_at,
        history=events,
    )


def next_pending(
    engine: sa.Engine, filters: QueueFilter | None = None, after: int | None = None
) -> int | None:
    """The next pending analysis in queue order (after ``after`` when it is in the queue)."""
    base = filters or QueueFilter()
    pending = QueueFilter(base.flag, base.entity, base.severity, "pending")
    pks = [i.analysis_pk for i in list_queue(engine, pending) if i.analysis_pk != after]
    return pks[0] if pks else None


# --- actions --------------------------------------------------------------------------------


def _record(
    conn: sa.Connection,
    analysis_pk: int,
    action: Action,
    reviewer: str,
    note: str | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> ReviewEvent:
    at = datetime.now(UTC)
    values: dict[str, Any] = {
        "analysis_pk": analysis_pk,
        "action": action,
        "reviewer": reviewer,
        "at": at,
        "note": note,
        "before": before,
        "after": after,
    }
    pk = insert_pk(conn, t.review_events.insert().values(**values))
    update: dict[str, Any] = {
        "review_status": _STATUS_AFTER[action],
        "reviewed_by": reviewer,
        "reviewed_at": at,
    }
    if after is not None:
        update["reviewed_analysis"] = after
    conn.execute(t.analyses.update().where(t.analyses.c.id == analysis_pk).values(**update))
    return ReviewEvent(id=pk, **values)


def _clean(reviewer: str, note: str | None) -> tuple[str, str | None]:
    reviewer = reviewer.strip()
    if not reviewer:
        raise ReviewError("a reviewer name is required")
    note = (note or "").strip() or None
    return reviewer, note


def approve(
    engine: sa.Engine, analysis_pk: int, reviewer: str, note: str | None = None
) -> ReviewEvent:
    """Approve the analysis as it stands (an earlier edit included)."""
    reviewer, note = _clean(reviewer, note)
    with engine.begin() as conn:
        row = _require(conn, analysis_pk)
        if row.status != "valid":
            raise ReviewError(
                f"analysis {analysis_pk} failed, so there is nothing to approve",
                ["reject it with a note, or analyse the clause again"],
            )
        return _record(conn, analysis_pk, "approve", reviewer, note)


def reject(engine: sa.Engine, analysis_pk: int, reviewer: str, note: str | None) -> ReviewEvent:
    """Reject the analysis; the note (why) is required."""
    reviewer, note = _clean(reviewer, note)
    if note is None:
        raise ReviewError("a rejection needs a note saying why", ["note: required"])
    with engine.begin() as conn:
        _require(conn, analysis_pk)
        return _record(conn, analysis_pk, "reject", reviewer, note)


def _clause_context(conn: sa.Connection, row: Any) -> str:
    c = t.clauses.c
    where = c.id == row.clause_pk if row.clause_pk else c.clause_sha256 == row.clause_sha256
    text = conn.execute(sa.select(c.text).where(where).order_by(c.id.desc()).limit(1)).scalar()
    if text is None:
        raise ReviewError(
            f"analysis {row.id} has no stored clause, so an edit cannot be checked against it"
        )
    return str(text)


def edit(
    engine: sa.Engine,
    analysis_pk: int,
    reviewer: str,
    patch: dict[str, Any],
    note: str | None = None,
) -> ReviewEvent:
    """Apply ``patch`` (dotted paths → values), validate, and store it as the analyst's edit."""
    reviewer, note = _clean(reviewer, note)
    if not patch:
        raise ReviewError("the edit is empty: give at least one field to set")
    with engine.begin() as conn:
        row = _require(conn, analysis_pk)
        before = row.reviewed_analysis or row.analysis
        if before is None:
            raise ReviewError(f"analysis {analysis_pk} failed, so there is nothing to edit")
        patched = apply_patch(before, patch)
        try:
            analysis = validate_analysis(
                patched, _clause_context(conn, row), bool(row.input_truncated)
            )
        except InvalidAnalysis as exc:
            raise ReviewError(
                "edit refused: the result is not a valid analysis", exc.errors
            ) from exc
        after = analysis.model_dump(mode="json")
        if after == before:
            raise ReviewError("the edit changes nothing")
        return _record(conn, analysis_pk, "edit", reviewer, note, before, after)
