"""The review backlog in numbers: analyses by review status, the pending ones by flag, and
the one that has waited longest (for the API's queue counts and the digest). Read from the
query layer's review queue (``store.queries.review``)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict

from clauselens.schemas.review import REVIEW_STATUSES
from clauselens.store.queries import review as queries
from clauselens.store.queries.review import QueueFilter


class OldestPending(BaseModel):
    """The pending analysis that has waited longest."""

    model_config = ConfigDict(extra="forbid")

    analysis_id: int
    title: str | None
    entity: str | None
    document_title: str | None
    severity: str | None
    flags: list[str]
    generated_at: datetime


class Backlog(BaseModel):
    """How many analyses are in each review state; the pending ones by flag; the oldest."""

    model_config = ConfigDict(extra="forbid")

    entity: str | None
    pending: int
    by_status: dict[str, int]
    pending_by_flag: dict[str, int]
    oldest_pending: OldestPending | None


def backlog(engine: sa.Engine, entity: str | None = None) -> Backlog:
    """The backlog of every analysis, or of ``entity``'s (exact name, as the queue filters)."""
    with engine.connect() as conn:
        by_status = {
            status: queries.queue_total(conn, QueueFilter(entity=entity, status=status))
            for status in REVIEW_STATUSES
        }
        pending = QueueFilter(entity=entity, status="pending")
        flags = queries.flag_counts(conn, pending, matching_total=by_status["pending"])
        oldest = queries.oldest_waiting(conn, pending)
    first = None
    if oldest is not None:
        row, at = oldest
        first = OldestPending(
            analysis_id=row.analysis_pk,
            title=(row.analysis or {}).get("title"),
            entity=row.entity,
            document_title=row.document_title,
            severity=row.severity,
            flags=[code for code, _priority, _reason in row.flags],
            generated_at=at,
        )
    return Backlog(
        entity=entity,
        pending=by_status["pending"],
        by_status=by_status,
        pending_by_flag=flags,
        oldest_pending=first,
    )
