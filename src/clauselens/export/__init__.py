"""Export analyses as published records, one per provision (DESIGN.md, "Records").

- ``iter_records(engine_or_url, **filters)``: stream ``ExportRecord`` objects from the store.
- ``to_dataframe(engine_or_url, **filters)``: a pandas DataFrame, one flattened row a record.
- ``write_export(engine_or_url, fmt, dest, **filters)``: JSON, JSONL, CSV or Parquet to a path
  (written atomically) or a binary stream; returns ``ExportStats``.
- ``record_by_id(engine, record_id)``: the record of one provision, as ``iter_records`` builds it.
- ``export_json_schema()``: the versioned JSON Schema of the record.

Filters (keywords or an ``ExportFilters``): ``entity``, ``document`` (id or title), ``status``
(default | approved | reviewed | all), ``severity``, ``since``, ``analyzer``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import pandas as pd
import sqlalchemy as sa

from clauselens.errors import MissingDependencyError, UsageError
from clauselens.export._filters import STATUS_FILTERS, ExportFilters, ExportStats, parse_time
from clauselens.export._frame import COLUMN_NAMES, flatten, frame
from clauselens.export._records import CrossPlatformLookup, iter_records, record_by_id
from clauselens.export._writers import (
    FORMATS,
    WRITERS,
    atomic_file,
    require_pyarrow,
)
from clauselens.schemas.export import (
    EXPORT_SCHEMA_VERSION,
    ExportRecord,
    export_json_schema,
)

__all__ = [
    "COLUMN_NAMES",
    "EXPORT_SCHEMA_VERSION",
    "FORMATS",
    "STATUS_FILTERS",
    "CrossPlatformLookup",
    "ExportFilters",
    "ExportRecord",
    "ExportStats",
    "MissingDependencyError",
    "export_json_schema",
    "flatten",
    "iter_records",
    "record_by_id",
    "to_dataframe",
    "write_export",
]


def to_dataframe(
    engine_or_url: sa.Engine | str,
    filters: ExportFilters | None = None,
    *,
    cross_platform: CrossPlatformLookup | bool = True,
    **filter_values: Any,
) -> pd.DataFrame:
    """One row per record, nested fields flattened (``analysis_severity``, ``review_status``),
    lists as JSON arrays, datetimes as UTC timestamps. Every column is present even when empty.
    """
    records = iter_records(engine_or_url, filters, cross_platform=cross_platform, **filter_values)
    return frame(flatten(r) for r in records)


def write_export(
    engine_or_url: sa.Engine | str,
    fmt: str,
    dest: Path | IO[bytes],
    filters: ExportFilters | None = None,
    *,
    generated_at: datetime | str | None = None,
    cross_platform: CrossPlatformLookup | bool = True,
    **filter_values: Any,
) -> ExportStats:
    """Write the selected records as ``fmt`` to ``dest``; what was written and left out.

    ``generated_at`` fixes the JSON header's time (default: now, to the second), so the same
    store exports to the same bytes.
    """
    if fmt not in WRITERS:
        raise UsageError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if fmt == "parquet":
        require_pyarrow()  # before touching the store or the destination
    if filters is None:
        filters = ExportFilters.of(**filter_values)
    at = (
        parse_time(generated_at, what="generated_at")
        if generated_at is not None
        else datetime.now(UTC).replace(microsecond=0)
    )
    stats = ExportStats()
    records = iter_records(engine_or_url, filters, stats=stats, cross_platform=cross_platform)
    writer = WRITERS[fmt]
    if isinstance(dest, Path):
        with atomic_file(dest) as fh:
            writer(records, fh, at)
    else:
        writer(records, dest, at)
        dest.flush()
    return stats
