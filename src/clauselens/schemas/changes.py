"""Change records: the class of a provision's change between two versions, and the change
events the CLI, export and feeds show (``pipeline.versions.changes`` records and reads them)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel

from clauselens.schemas.analysis import Level


class ChangeClass(StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    MODIFIED = "modified"
    MOVED = "moved"
    COSMETIC = "cosmetic"
    UNCHANGED = "unchanged"  # implicit: never stored


NEEDS_ANALYSIS = (ChangeClass.ADDED, ChangeClass.MODIFIED)
KEEPS_ANALYSIS = (ChangeClass.MOVED, ChangeClass.COSMETIC)


class ChangeEvent(BaseModel):
    """One change of one provision, as the CLI and export show it."""

    date: datetime
    provision_id: str
    change_class: ChangeClass
    relation: str | None
    severity: Level | None
    impact: str
    heading_path: list[str]
    similarity: float | None
    analyzer: str | None
    change_analysis: dict[str, Any] | None
    old_clause_pk: int | None
    new_clause_pk: int | None


class DocumentChangeSummary(BaseModel):
    """Change activity of one document over all its versions."""

    document_id: str
    versions: int
    last_change: datetime | None
    counts: dict[str, int]
    highest_severity: Level | None
    recent: list[ChangeEvent]
