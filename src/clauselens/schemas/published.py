"""Records the monitoring outputs publish besides the export record: a change entry (feeds, the
read-only API, the digest). Like the export record, ``extra="forbid"``; a change a consumer
could notice bumps ``CHANGE_ENTRY_VERSION``."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from clauselens.schemas.analysis import Level

CHANGE_ENTRY_VERSION = "clauselens.change/1"


class ChangeEntry(BaseModel):
    """One change of one provision between two consecutive versions of its document."""

    model_config = ConfigDict(extra="forbid")

    change_id: str = Field(
        description="Stable id: provision id, the new version's text hash (16 hex) and the "
        "change class, joined by ':'. The same change has the same id on every rebuild."
    )
    date: datetime = Field(description="When the version that made the change was captured.")
    entity: str
    document_id: str
    document_title: str
    record_id: str = Field(description="The provision id (the record id of its record page).")
    change_class: str = Field(description="added, removed, modified, moved or cosmetic.")
    relation: str | None = Field(description="split, merge, moved, cosmetic or technical.")
    severity: Level | None
    impact: str = Field(description="What the change means for users, in one or two sentences.")
    what_changed: str | None = Field(description="The change analysis' account of the edit.")
    direction: str | None = Field(description="For users: better, worse, neutral or mixed.")
    analyzer: str | None = Field(description="Who analysed the change (null: not analysed).")
    heading_path: list[str]
    categories: list[str] = Field(
        description="The categories of the analysis standing for the provision's clause."
    )
    has_record: bool = Field(
        description="Whether the provision is in its document's latest version (a removed "
        "provision has no record page)."
    )
