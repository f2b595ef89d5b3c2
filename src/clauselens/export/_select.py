"""Read what an export needs from the store, document by document and chunk by chunk.

Documents are streamed in order; a document's clauses are read by keyset pagination on
``idx`` (``chunk_size`` at a time), each chunk with its analyses, flags and changes in three
``IN`` queries, so memory depends on the chunk size, not on the store's size.

Which analysis a record shows: among the clause's analyses (by ``clause_sha256``, or by the hash
of the clause a cosmetic or moved change carries the analysis over from; restricted to
one analyzer with ``--analyzer``), a valid one before a failed one, then the one that stands
by ``store.queries.standing_key`` (an analyst's edit, then ``claude`` before ``offline``, then
the newest). The status filters apply to that choice afterwards; a rejected Claude analysis
does not fall back to an offline one.

Synthetic analyses (answered by clauselens' fake API server, ``analyses.synthetic``) are never
shown, so never exported, an analyst's edit of one included: an export is for publication and
downstream tools, and no option makes fake output publishable. ``choose`` leaves them out; a
provision whose only analyses are synthetic is left out and counted (``ExportStats.synthetic``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from clauselens.export._filters import ExportFilters
from clauselens.pipeline.versions.changes import analysis_origin
from clauselens.store import tables as t
from clauselens.store.queries import latest_versions, standing_key

RECENT_CHANGES = 5


@dataclass(frozen=True)
class DocumentHead:
    """A document with the version an export reads (its latest) and that version's capture."""

    document_id: str
    entity: str
    title: str
    terms_type: str
    first_tracked: datetime
    last_verified: datetime
    version_pk: int
    captured_at: datetime
    captured_at_source: str | None
    content_sha256: str
    source_url: str | None
    archive_url: str | None


@dataclass(frozen=True)
class Chunk:
    """Up to ``chunk_size`` clauses of one version, with everything their records need."""

    clauses: Sequence[Any]  # rows: id, idx, heading_path, text, clause_sha256, truncated, ...
    analyses: dict[str, list[Any]]  # clause_sha256 -> analysis rows, synthetic ones included
    analysed_as: dict[int, str]  # clause pk -> the clause hash whose analyses apply to it
    flags: dict[int, list[Any]]  # analysis pk -> flag rows (priority, code order)
    changes: dict[int, list[Any]]  # provision pk -> change rows (newest first)


def _matches(doc: Any, filters: ExportFilters) -> bool:
    if filters.entity and doc.entity.casefold() != filters.entity.casefold():
        return False
    wanted = filters.document
    return not wanted or doc.document_id == wanted or doc.title.casefold() == wanted.casefold()


def document_heads(conn: sa.Connection, filters: ExportFilters) -> Iterator[DocumentHead]:
    """The selected documents with their latest version, ordered by entity, title, id.

    Streamed: one query joins each document with its latest version (``latest_versions``) and
    that version's capture, so memory does not grow with the number of documents.
    """
    d, v, c = t.documents, t.versions, t.captures
    latest = latest_versions()
    query = (
        sa.select(
            d,
            v.c.id.label("version_pk"),
            v.c.captured_at,
            c.c.captured_at_source,
            c.c.content_sha256,
            c.c.source_url,
            c.c.archive_url,
        )
        .join(latest, latest.c.document_pk == d.c.id)
        .join(v, v.c.id == latest.c.version_pk)
        .join(c, c.c.id == v.c.capture_pk)
        .order_by(sa.func.lower(d.c.entity), sa.func.lower(d.c.title), d.c.document_id)
    )
    for doc in conn.execute(query):
        if not _matches(doc, filters):
            continue
        yield DocumentHead(
            document_id=doc.document_id,
            entity=doc.entity,
            title=doc.title,
            terms_type=doc.terms_type,
            first_tracked=doc.first_tracked,
            last_verified=doc.last_verified,
            version_pk=doc.version_pk,
            captured_at=doc.captured_at,
            captured_at_source=doc.captured_at_source,
            content_sha256=doc.content_sha256,
            source_url=doc.source_url,
            archive_url=doc.archive_url,
        )


def _grouped(rows: Any, key: str) -> dict[Any, list[Any]]:
    out: dict[Any, list[Any]] = defaultdict(list)
    for row in rows:
        out[getattr(row, key)].append(row)
    return out


def _clause_page(
    conn: sa.Connection, version_pk: int, after: int, size: int, record: str | None
) -> list[Any]:
    c, p = t.clauses, t.provisions
    query = (
        sa.select(
            c.c.id,
            c.c.idx,
            c.c.heading_path,
            c.c.text,
            c.c.clause_sha256,
            c.c.truncation_reason,
            p.c.id.label("provision_pk"),
            p.c.provision_id,
        )
        .join(p, p.c.id == c.c.provision_pk)
        .where(c.c.version_pk == version_pk, c.c.idx > after)
        .order_by(c.c.idx)
        .limit(size)
    )
    if record is not None:
        query = query.where(p.c.provision_id == record)
    return list(conn.execute(query))


def _analyses(conn: sa.Connection, shas: list[str], analyzer: str | None) -> dict[Any, list[Any]]:
    a = t.analyses
    query = sa.select(
        a.c.id,
        a.c.clause_sha256,
        a.c.analyzer,
        a.c.model,
        a.c.prompt_version,
        a.c.status,
        a.c.analysis,
        a.c.reviewed_analysis,
        a.c.provenance["schema_version"].as_string().label("schema_version"),
        a.c.input_truncated,
        a.c.review_status,
        a.c.reviewed_by,
        a.c.reviewed_at,
        a.c.generated_at,
        a.c.synthetic,
    ).where(a.c.clause_sha256.in_(shas))
    if analyzer is not None:
        query = query.where(a.c.analyzer == analyzer)
    return _grouped(conn.execute(query), "clause_sha256")


def _analysed_as(conn: sa.Connection, clauses: Sequence[Any]) -> dict[int, str]:
    """Each clause's own hash, or, for a clause whose text has no analysis (a cosmetic or moved
    change of an analysed one), the hash of the clause its analysis carries over from."""
    a, c = t.analyses.c, t.clauses.c
    shas = sorted({r.clause_sha256 for r in clauses})
    analysed = set(
        conn.execute(
            sa.select(a.clause_sha256).where(a.clause_sha256.in_(shas), a.synthetic.is_(False))
        ).scalars()
    )
    out: dict[int, str] = {}
    for row in clauses:
        sha = row.clause_sha256
        if sha not in analysed:
            origin = analysis_origin(conn, int(row.id))
            if origin != row.id:
                sha = conn.execute(sa.select(c.clause_sha256).where(c.id == origin)).scalar_one()
        out[int(row.id)] = sha
    return out


def chunks(
    conn: sa.Connection, head: DocumentHead, filters: ExportFilters, chunk_size: int
) -> Iterator[Chunk]:
    """The clauses of ``head``'s version that have a provision, in clause order, in chunks."""
    f, ch = t.flags, t.changes
    after = -1
    while True:
        clauses = _clause_page(conn, head.version_pk, after, chunk_size, filters.record)
        if not clauses:
            return
        after = clauses[-1].idx
        analysed_as = _analysed_as(conn, clauses)
        analyses = _analyses(conn, sorted(set(analysed_as.values())), filters.analyzer)
        analysis_pks = [row.id for rows in analyses.values() for row in rows]
        flags = _grouped(
            conn.execute(
                sa.select(f.c.analysis_pk, f.c.code, f.c.priority, f.c.reason)
                .where(f.c.analysis_pk.in_(analysis_pks))
                .order_by(f.c.analysis_pk, f.c.priority, f.c.code)
            ),
            "analysis_pk",
        )
        changes = _grouped(
            conn.execute(
                sa.select(
                    ch.c.provision_pk,
                    ch.c.at,
                    ch.c.change_class,
                    ch.c.severity,
                    ch.c.change_analysis,
                    ch.c.change_provenance,
                )
                .where(ch.c.provision_pk.in_([r.provision_pk for r in clauses]))
                .order_by(ch.c.provision_pk, ch.c.at.desc(), ch.c.id.desc())
            ),
            "provision_pk",
        )
        yield Chunk(clauses, analyses, analysed_as, flags, changes)


def shown(candidates: list[Any]) -> list[Any]:
    """The analyses a record may show: never a synthetic one."""
    return [row for row in candidates if not row.synthetic]


def choose(candidates: list[Any]) -> Any | None:
    """The analysis a record shows: not synthetic, valid before failed, then the one that
    stands."""
    real = shown(candidates)
    if not real:
        return None
    return min(real, key=lambda r: (r.status != "valid", standing_key(r)))
