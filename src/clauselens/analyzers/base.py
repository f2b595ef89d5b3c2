"""What every analyzer takes and gives: the ``Analyzer`` protocol and its input records.

An analyzer is pure with respect to the store: it receives a ``ClauseInput`` (the clause, the
text to put in the prompt and its document's context) and returns an ``AnalysisResult`` (a valid
analysis or a recorded failure); given a modified provision's old and new text it returns a
``ChangeResult``. Persisting is the caller's job. Both analyzers (``claude``, ``offline``)
implement the whole protocol, so a run hands its analyzer to every step it takes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

from clauselens.schemas import AnalysisResult, ChangeAnalysis, Clause, ClauseAnalysis, Provenance

OFFLINE_MODEL = "offline-rules"


@dataclass(frozen=True)
class DocumentContext:
    """The document a clause belongs to, as the document-context prompt block shows it."""

    entity: str
    title: str
    terms_type: str
    outline: tuple[str, ...] = ()
    document_id: str = ""


@dataclass(frozen=True)
class ClauseInput:
    """One clause ready for analysis.

    ``text`` is the full stored clause; ``prompt_text`` is what the model sees (``text`` itself,
    or a cut copy when the clause is over the input budget, with ``truncated`` and the reason).
    """

    clause_sha256: str
    heading_path: tuple[str, ...]
    text: str
    prompt_text: str
    truncated: bool
    truncation_reason: str | None
    document: DocumentContext
    clause_pk: int | None = None
    extra: dict[str, str] = field(default_factory=dict)


_BREAK = re.compile(r"(?<=[.!?;:])\s|\n")


def cut_for_prompt(text: str, max_chars: int) -> tuple[str, str | None]:
    """Cut ``text`` to at most ``max_chars`` at a sentence or line boundary when possible.

    Returns the prompt text and the truncation reason (None when nothing was cut).
    """
    if len(text) <= max_chars:
        return text, None
    head = text[:max_chars]
    breaks = [m.end() for m in _BREAK.finditer(head)]
    cut = breaks[-1] if breaks and breaks[-1] > max_chars // 2 else max_chars
    kept = head[:cut].rstrip()
    reason = (
        f"clause is {len(text):,} characters, over the model input budget of {max_chars:,}; "
        f"the first {len(kept):,} characters were sent"
    )
    return kept, reason


def clause_input(clause: Clause, document: DocumentContext, max_chars: int) -> ClauseInput:
    """Build the analyzer input for a segmented clause."""
    prompt_text, reason = cut_for_prompt(clause.text, max_chars)
    return ClauseInput(
        clause_sha256=clause.clause_sha256,
        heading_path=tuple(clause.heading_path),
        text=clause.text,
        prompt_text=prompt_text,
        truncated=reason is not None,
        truncation_reason=reason,
        document=document,
    )


class ChangeResult(BaseModel):
    """What ``analyze_change`` hands back: a valid ``ChangeAnalysis`` or a recorded failure."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["valid", "failed"]
    analysis: ChangeAnalysis | None
    error: str | None = None
    provenance: Provenance


class ChangeAnalyzer(Protocol):
    """Says what a modified provision's new wording means for users."""

    @property
    def name(self) -> str: ...

    async def analyze_change(
        self,
        old_text: str,
        new_text: str,
        previous: ClauseAnalysis | None,
        document: DocumentContext,
        heading_path: tuple[str, ...] = (),
    ) -> ChangeResult: ...


class Analyzer(ChangeAnalyzer, Protocol):
    """Produces analyses for clauses and changes. ``name`` is ``claude`` or ``offline``."""

    @property
    def model(self) -> str: ...

    @property
    def prompt_version(self) -> str: ...

    async def analyze(self, clause: ClauseInput) -> AnalysisResult: ...

    async def aclose(self) -> None: ...
