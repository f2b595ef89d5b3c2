"""What ingesting one capture came to (shared by ``captures`` and ``progress``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Outcome = Literal["new_version", "unchanged", "already_ingested", "failed"]


@dataclass
class CaptureOutcome:
    path: str
    outcome: Outcome
    message: str = ""
    document_id: str | None = None
    version_pk: int | None = None
