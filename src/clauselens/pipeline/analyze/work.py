"""Which clauses a run must analyse, and what each analysis request carries.

Which clauses need analysis is decided by ``store.queries.pending`` (the one rule); this module
applies it to the versions a run touches and builds each clause's analyzer input. The same
text met twice in one run is sent once, for every clause that has it (``WorkItem.also``).

A work item travels between processes (a Message Batch's mapping, a worker's job) as its
``item_entry``; ``ItemLoader`` rebuilds it there, reading each version's clauses once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import sqlalchemy as sa

from clauselens.analyzers.base import ClauseInput, DocumentContext, clause_input
from clauselens.config import Settings
from clauselens.pipeline.segment.clauses import heading_only, outline
from clauselens.schemas import Clause
from clauselens.store import tables as t
from clauselens.store.queries.pending import (
    AnalyzerKey,
    Verdict,
    clauses_needing_analysis,
    done_keys,
    synthetic_done,
    verdict,
)


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


def pending_work(
    conn: sa.Connection, version_pks: Iterable[int], key: AnalyzerKey, settings: Settings
) -> Work:
    """The clauses of ``version_pks`` still to analyse for ``key``, each text once (the rule:
    ``store.queries.pending.verdict``)."""
    done = done_keys(conn, key, synthetic=synthetic_done(settings.base_url))
    work = Work()
    by_hash: dict[str, WorkItem] = {}
    for version_pk in sorted(set(version_pks)):
        needed = set(clauses_needing_analysis(conn, version_pk))
        for clause_pk, clause in clause_inputs(conn, version_pk, settings):
            work.seen += 1
            sha = clause.clause_sha256
            match verdict(
                sha,
                heading=heading_only(clause.text),
                needed=clause_pk in needed,
                done=done,
                planned=by_hash,
            ):
                case Verdict.HEADING:
                    work.headings += 1
                case Verdict.REUSED:
                    work.reused += 1
                case Verdict.REPEAT:
                    work.reused += 1
                    first = by_hash[sha]
                    by_hash[sha] = replace(first, also=(*first.also, clause_pk))
                case Verdict.SEND:
                    by_hash[sha] = WorkItem(clause_pk, version_pk, clause)
    work.items = list(by_hash.values())
    return work


def item_entry(item: WorkItem) -> dict[str, Any]:
    """What names a work item in another process (JSON): ``ItemLoader.item`` rebuilds it."""
    return {
        "clause_pk": item.clause_pk,
        "version_pk": item.version_pk,
        "clause_sha256": item.input.clause_sha256,
        "also": list(item.also),
    }


class ItemLoader:
    """Work items rebuilt from their entries (clause inputs loaded once per version)."""

    def __init__(self, engine: sa.Engine, settings: Settings) -> None:
        self._engine = engine
        self._settings = settings
        self._versions: dict[int, dict[int, ClauseInput]] = {}

    def item(self, entry: dict[str, Any]) -> WorkItem:
        version_pk = int(entry["version_pk"])
        if version_pk not in self._versions:
            with self._engine.connect() as conn:
                pairs = clause_inputs(conn, version_pk, self._settings)
            self._versions[version_pk] = dict(pairs)
        clause = self._versions[version_pk][int(entry["clause_pk"])]
        return WorkItem(int(entry["clause_pk"]), version_pk, clause, tuple(entry.get("also", ())))
