"""The review queue: what is waiting for an analyst, most urgent first, a page at a time.

The store computes it (``store.queries.review``): filters, order, pages, the total and the
counts by flag, so a page costs the same with a hundred analyses or a hundred thousand. Queue
order: analyses of a text in force before superseded ones, the analysis that stands for its
text before those another outranks (an offline analysis of a text Claude also analysed), then
what the clause says
(operative text, then a preamble, then nothing of substance), the most urgent flag (lowest
priority number), severity as the analysis stands (high first), novelty (added in a later
version, then reworded, then first version), uniqueness (a provision no other platform has,
then those fewer platforms share; not compared last: ``analyses.similar_platforms``, set after
each run by ``similarity.uniqueness``), then id.
``QueueItem.sort_key`` says the same in Python, and ``QueueItem.why`` in words, for the CLI and
the web queue.

Superseded analyses (their text is in force in no latest version: a later version reworded or
removed it, ``store.queries.superseded``) sink below every current one rather than being hidden.
An analyst reviews the analysis of the text in force first, and reaches the superseded ones
only after it, each saying "superseded by version N (date)". Sinking was chosen over hiding
them by default because they are still pending work that export and the audit trail show:
hidden, they would drop out of the totals, the counts by flag and ``next`` without a word,
and a `--include-superseded` / ``?superseded=1`` switch would be one more state to carry
through every filter, link and page of the CLI and the web queue for nothing the order does
not already give.

Outranked analyses sink the same way, for the same reasons: when a text has several analyses
(offline, then Claude; two models; an edit of one), the one that stands
(``store.queries.analyses``: an analyst's edit, then Claude before offline, then the newest) is
what export and the record pages show, so an analyst reviews it first, and the others come
after every analysis that stands, each saying which analysis stands instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from clauselens.errors import NotFoundError
from clauselens.review.flags import Flag
from clauselens.schemas import LEVEL_RANK, ReviewEvent
from clauselens.schemas.review import NOT_REVIEWED
from clauselens.schemas.rows import StandingAnalysis
from clauselens.store.placement import NOVELTY_NOTES, Novelty
from clauselens.store.queries import review as queries
from clauselens.store.queries.review import CaptureSource, QueueFilter
from clauselens.store.queries.superseded import Supersession
from clauselens.store.tables import MAX_ROW_ID, NO_FLAG_PRIORITY
from clauselens.substance import Substance

__all__ = [
    "NO_ARCHIVE_URL",
    "CaptureSource",
    "QueueFilter",
    "QueueItem",
    "QueuePage",
    "ReviewItem",
    "Supersession",
    "entities",
    "flag_counts",
    "get_item",
    "list_queue",
    "neighbours",
    "next_pending",
    "queue_page",
    "require_row_id",
]

PAGE_SIZE = 50
NO_ARCHIVE_URL = (
    "none recorded: the capture came with no archive_url, nor a GitHub repository, commit and "
    "path to link to"
)


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
    substance: Substance = Substance.OPERATIVE
    novelty: Novelty = Novelty.FIRST_VERSION
    substance_note: str = ""
    superseded: bool = False  # its text is in force in no latest version: listed last
    superseded_by: Supersession | None = None  # the version that replaced it, when known
    outranked: bool = False  # another analysis of its text stands for it: after those that stand
    outranked_by: StandingAnalysis | None = None  # that analysis, when known
    similar_platforms: int | None = (
        None  # other platforms with a similar provision; None: not compared
    )

    @property
    def top_priority(self) -> int:
        return min((f.priority for f in self.flags), default=NO_FLAG_PRIORITY)

    def sort_key(self) -> tuple[int, int, int, int, int, int, tuple[bool, int], int]:
        severity = -LEVEL_RANK.get(self.severity or "", -1)
        return (
            int(self.superseded),
            int(self.outranked),
            self.substance,
            self.top_priority,
            severity,
            self.novelty,
            (self.similar_platforms is None, self.similar_platforms or 0),
            self.analysis_pk,
        )

    @property
    def uniqueness_note(self) -> str:
        """Whether other platforms have a similar provision, in words."""
        n = self.similar_platforms
        if n is None:
            return "not compared across platforms"
        if n == 0:
            return "unique: no other platform has a similar provision"
        return f"similar on {n} other platform{'s' if n != 1 else ''}"

    @property
    def superseded_note(self) -> str | None:
        """ "superseded by version N (date)" for a superseded analysis, else ``None``."""
        if not self.superseded:
            return None
        by = self.superseded_by
        if by is None:
            return "superseded: its text is in no current version"
        return f"superseded by version {by.number} ({by.captured_at:%Y-%m-%d})"

    @property
    def outranked_note(self) -> str | None:
        """Which analysis stands for this one's text instead, for an outranked one."""
        if not self.outranked:
            return None
        by = self.outranked_by
        if by is None:
            return "outranked: another analysis of this text stands"
        whose = "an analyst's edit of " if by.edited else ""
        return f"outranked: {whose}{by.analyzer} analysis {by.pk} stands for this text"

    @property
    def why(self) -> str:
        """Why the item sits where it does in the queue: its sort key, in words."""
        top = min(self.flags, key=lambda f: (f.priority, f.code), default=None)
        flag = f"flag {top.code} (priority {top.priority})" if top else "no flag"
        parts = [
            self.substance_note or self.substance.name.lower(),
            flag,
            f"severity {self.severity or 'none'}",
            NOVELTY_NOTES[self.novelty],
            self.uniqueness_note,
        ]
        notes = [n for n in (self.superseded_note, self.outranked_note) if n is not None]
        if notes:
            parts.insert(0, "last: " + "; ".join(notes))
        elif self.substance is Substance.NONE:
            parts[0] = "last: " + parts[0]
        return " · ".join(parts)


@dataclass(frozen=True)
class QueuePage:
    """One page of the filtered queue, with the size of the whole and its counts by flag."""

    items: list[QueueItem]
    total: int
    offset: int
    limit: int
    counts: dict[str, int]

    @property
    def number(self) -> int:
        """This page's number, from 1."""
        return self.offset // self.limit + 1

    @property
    def pages(self) -> int:
        """How many pages the filtered queue fills (at least 1)."""
        return max(1, -(-self.total // self.limit))


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
    capture: CaptureSource | None = None  # where the clause was read from

    @property
    def last_event_id(self) -> int:
        """The id of the latest event of the trail (``NOT_REVIEWED`` when there is none): what
        an action on what was shown passes as ``expect_event``."""
        return self.history[-1].id if self.history else NOT_REVIEWED


def _item(row: queries.QueueRow) -> QueueItem:
    analysis = row.analysis or {}
    fallback = " › ".join(row.heading_path) or f"analysis {row.analysis_pk}"
    return QueueItem(
        analysis_pk=row.analysis_pk,
        title=analysis.get("title") or fallback,
        entity=row.entity,
        document_title=row.document_title,
        heading_path=row.heading_path,
        analyzer=row.analyzer,
        model=row.model,
        status=row.status,
        severity=row.severity,
        confidence=row.confidence,
        review_status=row.review_status,
        reviewed_by=row.reviewed_by,
        flags=[Flag(*flag) for flag in row.flags],
        substance=Substance(row.substance),
        novelty=Novelty(row.novelty),
        substance_note=row.substance_note,
        superseded=row.superseded,
        superseded_by=row.superseded_by,
        outranked=row.outranked,
        outranked_by=row.outranked_by,
        similar_platforms=row.similar_platforms,
    )


def list_queue(engine: sa.Engine, filters: QueueFilter | None = None) -> list[QueueItem]:
    """Every analysis matching ``filters``, most urgent first (the whole queue: prefer pages)."""
    with engine.connect() as conn:
        return [_item(row) for row in queries.queue_page(conn, filters or QueueFilter())]


def queue_page(
    engine: sa.Engine,
    filters: QueueFilter | None = None,
    *,
    limit: int = PAGE_SIZE,
    offset: int = 0,
) -> QueuePage:
    """``limit`` analyses of the filtered queue from ``offset``, with its total and counts."""
    if limit < 1 or offset < 0:
        raise ValueError("a page needs limit >= 1 and offset >= 0")
    filters = filters or QueueFilter()
    with engine.connect() as conn:
        rows = queries.queue_page(conn, filters, limit=limit, offset=offset)
        if filters.flag is None:
            total = queries.queue_total(conn, filters)
            counts = queries.flag_counts(conn, filters, matching_total=total)
        else:  # the counts ignore the flag filter, and an analysis carries a flag at most once
            counts = queries.flag_counts(conn, filters)  # (``uq_flags_analysis_code``)
            total = counts.get(filters.flag, 0)
    return QueuePage([_item(row) for row in rows], total, offset, limit, counts)


def flag_counts(engine: sa.Engine, filters: QueueFilter | None = None) -> dict[str, int]:
    """How many analyses carry each flag, among those matching ``filters`` (its flag ignored)."""
    with engine.connect() as conn:
        return queries.flag_counts(conn, filters or QueueFilter())


def entities(engine: sa.Engine) -> list[str]:
    """Every entity with a document in the store (for filters)."""
    with engine.connect() as conn:
        return queries.entities(conn)


def neighbours(
    engine: sa.Engine, analysis_pk: int, filters: QueueFilter | None = None
) -> tuple[int | None, int | None]:
    """The analyses before and after ``analysis_pk`` in the filtered queue (``(None, first)``
    when it is not in it)."""
    with engine.connect() as conn:
        return queries.neighbours(conn, filters or QueueFilter(), analysis_pk)


def next_pending(
    engine: sa.Engine, filters: QueueFilter | None = None, after: int | None = None
) -> int | None:
    """The next pending analysis in queue order (after ``after`` when it is in the queue)."""
    pending = replace(filters or QueueFilter(), status="pending")
    with engine.connect() as conn:
        rows = queries.queue_page(conn, pending, limit=2)
    pks = [row.analysis_pk for row in rows if row.analysis_pk != after]
    return pks[0] if pks else None


def require_row_id(analysis_pk: int) -> None:
    """``NotFoundError`` for an id no row can have (0, negative, beyond ``MAX_ROW_ID``), before
    the database is asked (SQLite raises ``OverflowError`` past 64 bits, PostgreSQL past 32)."""
    if not 0 < analysis_pk <= MAX_ROW_ID:
        raise NotFoundError(f"no analysis with id {analysis_pk}")


def get_item(engine: sa.Engine, analysis_pk: int) -> ReviewItem:
    """One analysis with its clause, flags, provenance and history."""
    require_row_id(analysis_pk)
    with engine.connect() as conn:
        got = queries.item_row(conn, analysis_pk)
        if got is None:
            raise NotFoundError(f"no analysis with id {analysis_pk}")
        events = queries.review_events(conn, analysis_pk)
    return ReviewItem(
        item=_item(got.row),
        clause_text=got.clause_text,
        clause_truncation_reason=got.clause_truncation_reason,
        input_truncated=got.input_truncated,
        analysis=got.row.analysis,
        original=got.original,
        provenance=got.provenance,
        error=got.error,
        reviewed_at=got.reviewed_at,
        history=events,
        capture=got.capture,
    )
