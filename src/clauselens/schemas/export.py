"""The export record: one published record per provision, and its versioned JSON Schema.

``ExportRecord`` is what ``clauselens export`` writes (DESIGN.md, "Records"): the provision's
clause in the latest version of its document, the analysis shown for it (an analyst's edit
applied), its flags and review state, provenance and a citation. Field order is fixed: it is the
key order of every JSON and JSONL record and the column order of CSV and Parquet.

Bump ``EXPORT_SCHEMA_VERSION`` on any change a consumer could notice (a field added, removed,
renamed, retyped or reordered); ``export_json_schema`` carries it in ``$id`` and ``version``.

Versions: 1, the first; 2, ``analysis`` keys in generation order (evidence, reasoning, then the
verdicts ``evidence_type``, ``severity``, ``confidence``; ``governance_exposure`` gives its
``rationale`` before its ``level``) and ``categories`` (in ``analysis`` and at the top level) an
``enum`` of the taxonomy codes. The ``enum`` follows ``data/taxonomy.json``: a taxonomy change
that removes or renames a code is a consumer-visible change too. 3, ``provenance``
``captured_at_source`` after ``captured_at``: where the capture time came from.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from clauselens.schemas.analysis import CategoryCode, ClauseAnalysis, EvidenceType, Level
from clauselens.schemas.stored import AnalyzerName, ReviewStatus

EXPORT_SCHEMA_VERSION = "clauselens.export/3"
EXPORT_SCHEMA_ID = "urn:clauselens:schema:export:3"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExportFlag(_Strict):
    """A reason the analysis needs (or needed) an analyst; priority 1 is the most urgent."""

    code: str
    priority: int
    reason: str


class ExportReview(_Strict):
    """The analyst's decision on the analysis shown. ``edited``: an analyst's edit is applied."""

    status: ReviewStatus
    reviewer: str | None
    reviewed_at: datetime | None
    edited: bool


class ExportProvenance(_Strict):
    """Where the clause and its analysis come from, enough to check both independently."""

    source_url: str | None
    archive_url: str | None = Field(
        description="A permanent copy of the capture: the manifest's archive_url, else the "
        "capture's page at its commit in its GitHub repository (Open Terms Archive's "
        "source_repo, commit, path_in_repo); null when the capture came with neither."
    )
    content_sha256: str = Field(description="SHA-256 of the raw captured bytes of the version.")
    clause_sha256: str = Field(description="SHA-256 of the clause's whitespace-normalised text.")
    captured_at: datetime = Field(description="When the capture of the version was fetched.")
    captured_at_source: Literal["manifest", "option", "file_name", "file_mtime"] | None = Field(
        description="Where captured_at comes from: a manifest, a command-line option, a history "
        "file name, or only the file's modification time (a fallback); null when the capture "
        "was ingested before this was recorded."
    )
    analyzer: AnalyzerName
    other_analyzers: list[AnalyzerName] = Field(
        description="Analyzers that also analysed this clause but were not chosen "
        "(claude is preferred over offline)."
    )
    model: str
    prompt_version: str
    analysis_schema_version: str
    generated_at: datetime = Field(description="When the analysis was generated.")
    input_truncated: bool = Field(description="Whether the analyzer saw a cut copy of the clause.")
    truncation_reason: str | None


class RecentChange(_Strict):
    """A change of this provision between two consecutive versions (newest first)."""

    date: datetime
    provision: str = Field(description="The provision id (the record id).")
    change_class: str = Field(description="added, removed, modified or cosmetic.")
    severity: Level | None
    impact: str | None


class SimilarProvision(_Strict):
    """A provision of another platform that resembles this one."""

    record_id: str
    entity: str
    document: str
    score: float


class CrossPlatform(_Strict):
    """How many other platforms have a similar provision (filled by the similarity stage)."""

    similar_platforms: int = Field(
        description="Other platforms with a provision scoring at least `threshold`."
    )
    platforms_total: int = Field(description="Other platforms in the index.")
    threshold: float = Field(description="The similarity score that counts as similar.")
    method: str = Field(description="The similarity method and its version.")
    similar: list[SimilarProvision] = Field(
        description="The closest provisions of other platforms at or above the threshold."
    )


class FaqEntry(_Strict):
    question: str
    answer: str


class ExportRecord(_Strict):
    """One exported record per provision."""

    record_id: str = Field(description="The provision id: 'CL-P-' + 10 hex, stable.")
    document_id: str = Field(description="'CL-D-' + 8 hex of the entity and title, stable.")
    entity: str
    document_title: str
    terms_type: str
    heading_path: list[str]
    clause_index: int = Field(description="Position of the clause in the version (from 0).")
    clause_text: str
    analysis: ClauseAnalysis = Field(description="The analysis shown (an analyst's edit applied).")
    severity: Level
    confidence: Level
    evidence_type: EvidenceType
    categories: list[CategoryCode]
    flags: list[ExportFlag]
    review: ExportReview
    first_tracked: datetime
    last_verified: datetime
    provenance: ExportProvenance
    recent_changes: list[RecentChange]
    cross_platform: CrossPlatform | None = Field(
        description="Similar provisions of other platforms; null until the similarity stage "
        "has run."
    )
    citation: str
    faq: list[FaqEntry]


class ExportDocument(_Strict):
    """The envelope of ``--format json``: the header, then the records."""

    schema_version: Literal["clauselens.export/3"]
    generated_at: datetime
    records: list[ExportRecord]


def export_json_schema(*, document: bool = False) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of ``ExportRecord``, with its ``$id`` and version.

    ``document=True`` gives the schema of the whole ``--format json`` output instead.
    """
    model: type[BaseModel] = ExportDocument if document else ExportRecord
    schema = model.model_json_schema(mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": EXPORT_SCHEMA_ID + (":document" if document else ""),
        "version": EXPORT_SCHEMA_VERSION,
        **schema,
    }
