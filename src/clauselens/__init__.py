"""clauselens: clause-by-clause analysis of platform policies.

The library API, loaded on first use (so that ``import clauselens`` and the CLI stay fast):

- ``load_settings``, ``Settings``: configuration.
- ``open_store``: the store (SQLAlchemy engine, migrations applied).
- ``ingest``, ``segment``, ``run``, ``RunOptions``: the stages and the main job.
- ``iter_records``, ``to_dataframe``, ``write_export``: export.
- ``ClauseAnalysis``: the analysis record.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

_PUBLIC: dict[str, str] = {
    "load_settings": "clauselens.config",
    "Settings": "clauselens.config",
    "open_store": "clauselens.store",
    "ingest": "clauselens.pipeline.ingest.captures",
    "segment": "clauselens.pipeline.segment.clauses",
    "run": "clauselens.pipeline.runs.run",
    "RunOptions": "clauselens.pipeline.runs.run",
    "iter_records": "clauselens.export",
    "to_dataframe": "clauselens.export",
    "write_export": "clauselens.export",
    "ClauseAnalysis": "clauselens.schemas",
}

__all__ = [
    "ClauseAnalysis",
    "RunOptions",
    "Settings",
    "__version__",
    "ingest",
    "iter_records",
    "load_settings",
    "open_store",
    "run",
    "segment",
    "to_dataframe",
    "write_export",
]


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        return getattr(importlib.import_module(_PUBLIC[name]), name)
    raise AttributeError(f"module 'clauselens' has no attribute {name!r}")
