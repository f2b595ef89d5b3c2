"""The stored analysis: a ``ClauseAnalysis`` (or a failure) with its provenance."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from clauselens.schemas.analysis import ClauseAnalysis
from clauselens.schemas.usage import Usage

SCHEMA_VERSION = "clause-analysis/1"

# Every response of clauselens' fake Messages API (``clauselens.testing.fake_api``) carries this
# header: an answer that came with it is synthetic, never Claude's, whatever the analyzer name.
SYNTHETIC_HEADER = "x-clauselens-fake"
# The text every synthetic answer carries (used to find those stored before the header was read).
SYNTHETIC_MARKER = "SYNTHETIC answer from clauselens' fake API server"

AnalyzerName = Literal["claude", "offline"]
AnalysisStatus = Literal["valid", "failed"]
ReviewStatus = Literal["pending", "approved", "edited", "rejected"]


def from_fake_server(headers: Mapping[str, str]) -> bool:
    """Whether a response with these headers came from clauselens' fake Messages API."""
    return bool(headers.get(SYNTHETIC_HEADER))


class AttemptRecord(BaseModel):
    """One attempt that did not yield a valid analysis."""

    model_config = ConfigDict(extra="forbid")

    attempt: int
    kind: str  # schema_invalid, semantic_invalid, refusal, max_tokens, api_error, transport
    message: str
    usage: Usage = Usage()
    raw_output: str | None = None


class Provenance(BaseModel):
    """Who produced an analysis, with what, when, at what cost. ``synthetic``: the answer came
    from clauselens' fake Messages API (``SYNTHETIC_HEADER``), not from Claude; such an
    analysis is never exported, never counted as Claude's spend, never outranks the offline
    analyzer and never feeds a cost estimate."""

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
    synthetic: bool = False


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
