"""Which clauses a run must analyse, and what each analysis request carries.

The analysis key is (clause_sha256, analyzer, model, prompt version). For each version a run
touches, the clauses that need analysis are those of added and modified provisions (every
clause of a document's first version); among them, a clause whose key already has a valid
analysis is reused, within a document, across versions and across documents. The same text met
twice in one run is sent once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa

from clauselens.analyzers.base import ClauseInput, DocumentContext, clause_input
from clauselens.config import Settings
from clauselens.pipeline.analyze.persist import valid_keys
from clauselens.pipeline.segment.clauses import heading_only, outline
from clauselens.pipeline.versions.changes import clauses_needing_analysis
from clauselens.schemas import Clause
from clauselens.store import tables as t


@dataclass(frozen=True)
class AnalyzerKey:
    analyzer: str
    model: str
    prompt_version: str


@dataclass(frozen=True)
class WorkItem:
    clause_pk: int
    version_pk: int
    input: ClauseInput
    also: tuple[int, ...] = ()  # other clauses with the same text in this run


@dataclass
class Work:
    items: list[WorkItem] = field(default_factory=list)
    seen: int = 0  # clauses in the versions touched
    reused: int = 0  # clauses that need no call (valid analysis, or unchanged provision)
    headings: int = 0  # clauses that are only heading lines: nothing to analyse


def _clause_rows(conn: sa.Connection, version_pk: int) -> list[Any]:
    c = t.clauses
    return list(
        conn.execute(
            sa.select(
                c.c.id,
                c.c.idx,
                c.c.heading_path,
                c.c.text,
                c.c.start,
                c.c.end,
                c.c.clause_sha256,
                c.c.truncated,
                c.c.truncation_reason,
            )
            .where(c.c.version_pk == version_pk)
            .order_by(c.c.idx)
        ).all()
    )


def _as_clause(row: Any) -> Clause:
    m = row._mapping
    return Clause(
        index=m["idx"],
        heading_path=list(m["heading_path"]),
        text=m["text"],
        start=m["start"],
        end=m["end"],
        clause_sha256=m["clause_sha256"],
        truncated=m["truncated"],
        truncation_reason=m["truncation_reason"],
    )


def document_context(
    conn: sa.Connection, version_pk: int, clauses: Iterable[Clause]
) -> DocumentContext:
    d, v = t.documents, t.versions
    doc = conn.execute(
        sa.select(d.c.entity, d.c.title, d.c.terms_type, d.c.document_id)
        .join(v, v.c.document_pk == d.c.id)
        .where(v.c.id == version_pk)
    ).one()
    return DocumentContext(
        entity=doc.entity,
        title=doc.title,
        terms_type=doc.terms_type,
        outline=tuple(outline(clauses)),
        document_id=doc.document_id,
    )


def document_context_for(conn: sa.Connection, version_pk: int) -> DocumentContext:
    """The document-context block of a version (entity, title, terms type, outline)."""
    clauses = [_as_clause(r) for r in _clause_rows(conn, version_pk)]
    return document_context(conn, version_pk, clauses)


def clause_inputs(
    conn: sa.Connection, version_pk: int, settings: Settings
) -> list[tuple[int, ClauseInput]]:
    """Every clause of a version as (clause_pk, analyzer input), in document order."""
    rows = _clause_rows(conn, version_pk)
    clauses = [_as_clause(r) for r in rows]
    context = document_context(conn, version_pk, clauses)
    max_chars = settings.segment.prompt_max_chars
    return [
        (int(row._mapping["id"]), replace(clause_input(clause, context, max_chars), clause_pk=pk))
        for row, clause in zip(rows, clauses, strict=True)
        for pk in (int(row._mapping["id"]),)
    ]


def in_flight(conn: sa.Connection, key: AnalyzerKey) -> set[str]:
    """Clause hashes sent in a Message Batch for this key that is not collected yet: a later
    run does not pay for them again (the batch's collection stores their analyses)."""
    b, r = t.batches.c, t.runs.c
    rows = conn.execute(
        sa.select(b.requests)
        .join(t.runs, r.id == b.run_id)
        .where(
            b.collected_at.is_(None),
            r.analyzer == key.analyzer,
            r.model == key.model,
            r.prompt_version == key.prompt_version,
        )
    ).scalars()
    return {entry["clause_sha256"] for requests in rows for entry in requests.values()}


def pending_work(
    conn: sa.Connection, version_pks: Iterable[int], key: AnalyzerKey, settings: Settings
) -> Work:
    """The clauses of ``version_pks`` still to analyse for ``key``, each text once."""
    done = valid_keys(conn, key.analyzer, key.model, key.prompt_version)
    done |= in_flight(conn, key)
    work = Work()
    by_hash: dict[str, WorkItem] = {}
    for version_pk in sorted(set(version_pks)):
        needed = set(clauses_needing_analysis(conn, version_pk))
        for clause_pk, clause in clause_inputs(conn, version_pk, settings):
            work.seen += 1
            if heading_only(clause.text):
                work.headings += 1
                continue
            if clause_pk not in needed or clause.clause_sha256 in done:
                work.reused += 1
                continue
            first = by_hash.get(clause.clause_sha256)
            if first is None:
                by_hash[clause.clause_sha256] = WorkItem(clause_pk, version_pk, clause)
            else:
                work.reused += 1
                by_hash[clause.clause_sha256] = WorkItem(
                    first.clause_pk, first.version_pk, first.input, (*first.also, clause_pk)
                )
    work.items = list(by_hash.values())
    return work
