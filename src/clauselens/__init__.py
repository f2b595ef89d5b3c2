"""clauselens: clause-by-clause analysis of platform policies.

The library API, loaded on first use (so that ``import clauselens`` and the CLI stay fast):

- ``load_settings``, ``Settings``: configuration. ``open_store``: the store (an engine).
- ``ingest``, ``segment``: the first stages.
- ``run`` / ``arun`` (``RunOptions`` → ``RunSummary``): the main job; ``arun`` inside an event
  loop (a notebook), ``run`` from synchronous code. ``resume_run`` / ``aresume_run``: collect a
  Message Batches run. ``analyze_document`` / ``aanalyze_document``: one document.
  ``list_runs``, ``get_run`` → ``RunRecord``.
- ``dry_run`` → ``DryRun``: calls, tokens and cost of a run before spending.
- ``list_queue``, ``approve``, ``edit``, ``reject`` (``QueueFilter``, ``QueueItem``,
  ``ReviewEvent``): review.
- ``recent_changes``, ``document_change_summary`` (``ChangeEvent``,
  ``DocumentChangeSummary``): what changed.
- ``similar_provisions``, ``unique_provisions`` (``SimilarReport``, ``UniqueProvision``):
  cross-platform similarity. ``place_uniqueness`` (``UniquenessReport``): store how many other
  platforms share each provision, for the review queue's order (the CLI does it after a run).
- ``iter_records``, ``to_dataframe``, ``write_export``: export. ``ClauseAnalysis``: the record.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:  # the names as type checkers and editors see them
    from clauselens.config import Settings, load_settings
    from clauselens.export import iter_records, to_dataframe, write_export
    from clauselens.pipeline.ingest.captures import ingest
    from clauselens.pipeline.runs.batches import aresume_run, resume_run
    from clauselens.pipeline.runs.document import (
        DocumentAnalysis,
        aanalyze_document,
        analyze_document,
    )
    from clauselens.pipeline.runs.estimate import DryRun, dry_run
    from clauselens.pipeline.runs.plan import RunOptions
    from clauselens.pipeline.runs.records import get_run, list_runs
    from clauselens.pipeline.runs.run import arun, run
    from clauselens.pipeline.runs.summary import RunSummary
    from clauselens.pipeline.segment.clauses import segment
    from clauselens.pipeline.versions.changes import document_change_summary, recent_changes
    from clauselens.review import (
        QueueFilter,
        QueueItem,
        ReviewEvent,
        approve,
        edit,
        list_queue,
        reject,
    )
    from clauselens.schemas import ChangeEvent, ClauseAnalysis, DocumentChangeSummary, RunRecord
    from clauselens.similarity.provisions import (
        SimilarReport,
        UniqueProvision,
        similar_provisions,
        unique_provisions,
    )
    from clauselens.similarity.uniqueness import UniquenessReport, place_uniqueness
    from clauselens.store import open_store

_PUBLIC: dict[str, str] = {
    "load_settings": "clauselens.config",
    "Settings": "clauselens.config",
    "open_store": "clauselens.store",
    "ingest": "clauselens.pipeline.ingest.captures",
    "segment": "clauselens.pipeline.segment.clauses",
    "run": "clauselens.pipeline.runs.run",
    "arun": "clauselens.pipeline.runs.run",
    "RunOptions": "clauselens.pipeline.runs.plan",
    "RunSummary": "clauselens.pipeline.runs.summary",
    "resume_run": "clauselens.pipeline.runs.batches",
    "aresume_run": "clauselens.pipeline.runs.batches",
    "analyze_document": "clauselens.pipeline.runs.document",
    "aanalyze_document": "clauselens.pipeline.runs.document",
    "DocumentAnalysis": "clauselens.pipeline.runs.document",
    "list_runs": "clauselens.pipeline.runs.records",
    "get_run": "clauselens.pipeline.runs.records",
    "RunRecord": "clauselens.schemas",
    "dry_run": "clauselens.pipeline.runs.estimate",
    "DryRun": "clauselens.pipeline.runs.estimate",
    "list_queue": "clauselens.review",
    "approve": "clauselens.review",
    "edit": "clauselens.review",
    "reject": "clauselens.review",
    "QueueFilter": "clauselens.review",
    "QueueItem": "clauselens.review",
    "ReviewEvent": "clauselens.review",
    "recent_changes": "clauselens.pipeline.versions.changes",
    "document_change_summary": "clauselens.pipeline.versions.changes",
    "ChangeEvent": "clauselens.schemas",
    "DocumentChangeSummary": "clauselens.schemas",
    "similar_provisions": "clauselens.similarity.provisions",
    "unique_provisions": "clauselens.similarity.provisions",
    "SimilarReport": "clauselens.similarity.provisions",
    "UniqueProvision": "clauselens.similarity.provisions",
    "place_uniqueness": "clauselens.similarity.uniqueness",
    "UniquenessReport": "clauselens.similarity.uniqueness",
    "iter_records": "clauselens.export",
    "to_dataframe": "clauselens.export",
    "write_export": "clauselens.export",
    "ClauseAnalysis": "clauselens.schemas",
}

__all__ = [
    "ChangeEvent",
    "ClauseAnalysis",
    "DocumentAnalysis",
    "DocumentChangeSummary",
    "DryRun",
    "QueueFilter",
    "QueueItem",
    "ReviewEvent",
    "RunOptions",
    "RunRecord",
    "RunSummary",
    "Settings",
    "SimilarReport",
    "UniqueProvision",
    "UniquenessReport",
    "__version__",
    "aanalyze_document",
    "analyze_document",
    "approve",
    "aresume_run",
    "arun",
    "document_change_summary",
    "dry_run",
    "edit",
    "get_run",
    "ingest",
    "iter_records",
    "list_queue",
    "list_runs",
    "load_settings",
    "open_store",
    "place_uniqueness",
    "recent_changes",
    "reject",
    "resume_run",
    "run",
    "segment",
    "similar_provisions",
    "to_dataframe",
    "unique_provisions",
    "write_export",
]


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'clauselens' has no attribute {name!r}")
