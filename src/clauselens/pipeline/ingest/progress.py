"""Progress of ingest: which capture is at which step, for whoever shows progress.

``ingest`` tells an ``IngestProgress`` when each capture starts a step (``reading``,
``extracting``, ``segmenting``, ``aligning``) and when it is done. The caller passes one to
``ingest``, or installs one with ``reporting`` around code that ingests on its way (a run, a
document analysis), which then needs no parameter for it. Without one, nothing is reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Literal, Protocol

if TYPE_CHECKING:
    from clauselens.pipeline.ingest.outcome import CaptureOutcome

Step = Literal["reading", "extracting", "segmenting", "aligning"]


class IngestProgress(Protocol):
    def step(self, path: str, step: Step, size: int | None) -> None:
        """``path`` starts ``step``; ``size`` is its byte size once it has been read."""

    def done(self, outcome: CaptureOutcome) -> None:
        """A capture is finished (stored, unchanged, already ingested or failed)."""


_installed: ContextVar[IngestProgress | None] = ContextVar("ingest_progress", default=None)


@contextmanager
def reporting(progress: IngestProgress) -> Iterator[None]:
    """Every ``ingest`` in the block (this thread or task) reports to ``progress``."""
    token = _installed.set(progress)
    try:
        yield
    finally:
        _installed.reset(token)


def installed() -> IngestProgress | None:
    return _installed.get()
