"""Records of captured text: the clause as segmentation produces it."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Clause(BaseModel):
    """One segment of a version's extracted text.

    ``text == extracted[start:end]`` always holds. ``truncated`` says whether the clause is over
    the model input budget (the prompt then carries a cut copy; the stored text stays whole).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    index: int
    heading_path: list[str]
    text: str
    start: int
    end: int
    clause_sha256: str
    truncated: bool = False
    truncation_reason: str | None = None
