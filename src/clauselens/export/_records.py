"""``iter_records``: stream export records from the store, in a fixed order, chunk by chunk.

Order: entity, document title (both case-insensitive), document id, then clause order in the
document's latest version. The whole read runs in one transaction, so a concurrent batch run
cannot make an export mix two states of the store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa

from clauselens.config import normalise_db_url
from clauselens.export._build import build_record, shown_analysis
from clauselens.export._filters import ExportFilters, ExportStats
from clauselens.export._select import (
    Chunk,
    DocumentHead,
    choose,
    chunks,
    document_heads,
    shown,
)
from clauselens.pipeline.segment.clauses import heading_only
from clauselens.schemas.export import CrossPlatform, ExportRecord
from clauselens.store import open_store
from clauselens.store.queries import document_by_pk, provisions_by_id

CrossPlatformLookup = Callable[[str], CrossPlatform | None]
"""Given a record id, the similarity stage's ``CrossPlatform`` for it (or None)."""

DEFAULT_CHUNK_SIZE = 500


def as_engine(engine_or_url: sa.Engine | str) -> sa.Engine:
    """An engine as given, or the store at a URL (opened and migrated)."""
    if isinstance(engine_or_url, sa.Engine):
        return engine_or_url
    return open_store(normalise_db_url(engine_or_url))


def _keep(row: Any, head: DocumentHead, filters: ExportFilters, stats: ExportStats) -> bool:
    """Apply the status, severity and since filters to the analysis a record would show."""
    if row.review_status not in filters.statuses:
        if row.review_status == "rejected":
            stats.rejected += 1
        else:
            stats.filtered += 1
        return False
    if filters.severity and shown_analysis(row).severity != filters.severity:
        stats.filtered += 1
        return False
    if filters.since is not None:
        moments = [head.captured_at, row.generated_at]
        if row.reviewed_at is not None:
            moments.append(row.reviewed_at)
        if max(moments) < filters.since:
            stats.filtered += 1
            return False
    return True


def _records_of(
    head: DocumentHead,
    chunk: Chunk,
    filters: ExportFilters,
    stats: ExportStats,
    lookup: CrossPlatformLookup | None,
) -> Iterator[ExportRecord]:
    for clause in chunk.clauses:
        everything = chunk.analyses.get(chunk.analysed_as[clause.id], [])
        candidates = shown(everything)
        row = choose(candidates)
        if row is None:
            if everything:
                stats.synthetic += 1
            elif heading_only(clause.text):
                stats.headings += 1
            else:
                stats.unanalysed += 1
            continue
        if row.status != "valid":
            stats.failed += 1
            continue
        if not _keep(row, head, filters, stats):
            continue
        others = sorted({c.analyzer for c in candidates if c.analyzer != row.analyzer})
        record = build_record(
            head,
            clause,
            row,
            other_analyzers=others,
            flag_rows=chunk.flags.get(row.id, []),
            change_rows=chunk.changes.get(clause.provision_pk, []),
            cross_platform=lookup(clause.provision_id) if lookup else None,
        )
        stats.exported += 1
        stats.by_status[row.review_status] = stats.by_status.get(row.review_status, 0) + 1
        yield record


def _lookup(engine: sa.Engine, wanted: CrossPlatformLookup | bool) -> CrossPlatformLookup | None:
    if wanted is False:
        return None
    if wanted is True:
        from clauselens.similarity.provisions import cross_platform_lookup

        return cross_platform_lookup(engine)
    return wanted


def iter_records(
    engine_or_url: sa.Engine | str,
    filters: ExportFilters | None = None,
    *,
    stats: ExportStats | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    cross_platform: CrossPlatformLookup | bool = True,
    **filter_values: Any,
) -> Iterator[ExportRecord]:
    """Yield the export record of every selected provision without loading them all.

    Filters come as an ``ExportFilters`` or as keywords (``entity``, ``document``, ``status``,
    ``severity``, ``since``, ``analyzer``). Pass ``stats`` to learn what was left out and why.
    ``cross_platform``: True (default) fills each record's ``cross_platform`` from the
    similarity index (refreshed first); False leaves it null; or a lookup of your own.
    """
    if filters is None:
        filters = ExportFilters.of(**filter_values)
    elif filter_values:
        raise TypeError("give filters either as ExportFilters or as keywords, not both")
    stats = stats if stats is not None else ExportStats()
    engine = as_engine(engine_or_url)
    lookup = _lookup(engine, cross_platform)
    try:
        with engine.connect() as conn, conn.begin():
            for head in document_heads(conn, filters):
                for chunk in chunks(conn, head, filters, chunk_size):
                    yield from _records_of(head, chunk, filters, stats, lookup)
    finally:
        if engine is not engine_or_url:  # opened here from a URL
            engine.dispose()


def record_by_id(
    engine: sa.Engine,
    record_id: str,
    *,
    status: str = "default",
    cross_platform: CrossPlatformLookup | bool = True,
) -> ExportRecord | None:
    """The export record of one provision (``CL-P-...``) as ``iter_records`` builds it, or
    ``None`` when the provision is unknown, not in its document's latest version, or left out
    (no valid analysis, or a review status outside ``status``)."""
    with engine.connect() as conn:
        found = provisions_by_id(conn, [record_id]).get(record_id)
        if found is None:
            return None
        document = document_by_pk(conn, found.document_pk)
    filters = ExportFilters.of(document=document.document_id, record=record_id, status=status)
    return next(iter_records(engine, filters, cross_platform=cross_platform), None)
