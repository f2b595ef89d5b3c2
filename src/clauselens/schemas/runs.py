"""The run record: what one run processed, with which analyzer, model and prompt, and how it
ended (``pipeline.runs.records`` stores and reads it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from clauselens.schemas.usage import Usage

RunStatus = Literal["running", "succeeded", "partial", "failed", "waiting", "interrupted"]


@dataclass
class Failure:
    """A clause (or a change, heading ``(change analysis)``) a run could not analyse."""

    clause_pk: int
    heading: str
    error: str


class RunRecord(BaseModel):
    """One stored run. ``usage`` and ``cost_usd`` of a run still running or interrupted are
    what the analyses stored under its id have spent so far."""

    model_config = ConfigDict(extra="forbid")

    id: str
    started_at: datetime
    finished_at: datetime | None
    analyzer: str
    model: str
    prompt_version: str
    via: str
    status: RunStatus
    counts: dict[str, int]
    usage: Usage
    cost_usd: float
    options: dict[str, Any]
    paths: list[str]
