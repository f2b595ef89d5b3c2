"""What the read-only API answers with: documents, versions, pages of items, errors.

Records, changes, similar and unique provisions are the library's own models (``ExportRecord``,
``ChangeEntry``, ``SimilarReport``, ``UniqueProvision``); this module adds the rest and the
page envelopes. ``next_cursor`` is opaque: pass it back as ``cursor`` for the next page.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from clauselens.schemas.export import ExportRecord
from clauselens.schemas.published import ChangeEntry
from clauselens.similarity.provisions import UniqueProvision


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DocumentOut(_Out):
    """A tracked document."""

    document_id: str
    entity: str
    title: str
    terms_type: str
    first_tracked: datetime
    last_verified: datetime
    versions: int
    latest_captured_at: datetime | None


class VersionOut(_Out):
    """One version of a document; ``number`` 1 is the oldest."""

    number: int
    captured_at: datetime
    text_sha256: str
    extractor: str
    looks_cut_off: bool
    cut_off_reason: str | None
    changes: dict[str, int] = Field(
        description="Changes against the previous version, by class (unchanged included)."
    )


class DocumentPage(_Out):
    items: list[DocumentOut]
    next_cursor: str | None


class VersionPage(_Out):
    items: list[VersionOut]
    next_cursor: str | None


class RecordPage(_Out):
    items: list[ExportRecord]
    next_cursor: str | None


class ChangePage(_Out):
    items: list[ChangeEntry]
    next_cursor: str | None


class UniquePage(_Out):
    items: list[UniqueProvision]
    next_cursor: str | None


class ErrorDetail(_Out):
    status: int
    message: str


class ErrorBody(_Out):
    error: ErrorDetail
