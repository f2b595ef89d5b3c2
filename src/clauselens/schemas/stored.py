"""The stored analysis: a ``ClauseAnalysis`` (or a failure) with its provenance."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from clauselens.schemas.analysis import ClauseAnalysis
from clauselens.schemas.usage import Usage

SCHEMA_VERSION = "clause-analysis/1"

AnalyzerName = Literal["claude", "offline"]
AnalysisStatus = Literal["valid", "failed"]
ReviewStatus = Literal["pending", "approved", "edited", "rejected"]


class AttemptRecord(BaseModel):
    """One attempt that did not yield a valid analysis."""

    model_config = ConfigDict(extra="forbid")

    attempt: int
    kind: str  # schema_invalid, semantic_invalid, refusal, max_tokens, api_error, transport
    message: str
    usage: Usage = Usage()
    raw_output: str | None = None


class Provenance(BaseModel):
    model_config = ConfigDict(extra="forbid")

    analyzer: AnalyzerName
    model: str
    prompt_id: str
    prompt_version: str
    schema_version: str = SCHEMA_VERSION
    request_id: str | None = None
    stop_reason: str | None = None
    usage: Usage = Usage()
    cost_usd: float = 0.0
    attempts: int = 1
    failed_attempts: list[AttemptRecord] = []
    latency_ms: float = 0.0
    generated_at: datetime
    reasked: bool = False
    run_id: str | None = None


class AnalysisResult(BaseModel):
    """What an analyzer hands back for one clause: a valid analysis or a recorded failure."""

    model_config = ConfigDict(extra="forbid")

    clause_sha256: str
    status: AnalysisStatus
    analysis: ClauseAnalysis | None
    error: str | None = None
    provenance: Provenance
    input_truncated: bool = False
    triaged_out: bool = False
    triage_reason: str | None = None
