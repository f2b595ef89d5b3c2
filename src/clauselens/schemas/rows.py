"""Typed records of store rows, as the query layer (``store.queries``) returns them.

Each record names its own row's integer key ``pk`` (the column ``id``) and keeps the stable
public ids (``document_id``, ``provision_id``) under their own names. Records are frozen: they
are answers read from the store, not objects to change and write back.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from clauselens.schemas.analysis import ClauseAnalysis, Level
from clauselens.schemas.stored import AnalysisStatus, ReviewStatus


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Document(_Row):
    """One tracked policy of one entity."""

    pk: int
    document_id: str
    entity: str
    title: str
    terms_type: str
    first_tracked: datetime
    last_verified: datetime


class Capture(_Row):
    """One fetched copy of a document (immutable); ``version_pk`` is the version it shows."""

    pk: int
    document_pk: int
    content_sha256: str
    format: str
    captured_at: datetime
    source_url: str | None
    archive_url: str | None
    source_path: str | None
    metadata_source: str
    captured_at_source: str | None  # manifest | option | file_name | file_mtime (None: unknown)
    text_sha256: str
    version_pk: int | None
    ingested_at: datetime


class Version(_Row):
    """The extracted text of a capture that differs from the previous one (text not loaded:
    ``store.queries.version_text`` reads it)."""

    pk: int
    document_pk: int
    capture_pk: int
    captured_at: datetime
    text_sha256: str
    extractor: str
    looks_cut_off: bool
    cut_off_reason: str | None
    segmented_with: str | None
    aligned: bool


class Provision(_Row):
    """The identity of a clause across versions."""

    pk: int
    provision_id: str
    document_pk: int
    first_version_pk: int


class StandingAnalysis(_Row):
    """The analysis that stands for a clause text, as it stands: ``data`` is the analyst's edit
    when there is one (``edited``), else the analyzer's output; ``severity`` follows it."""

    pk: int
    clause_sha256: str
    analyzer: str
    model: str
    prompt_version: str
    status: AnalysisStatus
    review_status: ReviewStatus
    edited: bool
    severity: Level | None
    data: dict[str, Any] | None
    generated_at: datetime
    synthetic: bool = False  # answered by clauselens' fake API server, not by Claude

    def analysis(self) -> ClauseAnalysis | None:
        """``data`` validated as a ``ClauseAnalysis`` (None for a failed analysis)."""
        return ClauseAnalysis.model_validate(self.data) if self.data is not None else None
