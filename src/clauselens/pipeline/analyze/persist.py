"""Persist analyses: one row per analysis key (clause_sha256, analyzer, model, prompt version).

The unique key guards against duplicates: a valid analysis is never stored twice, and a failed
one is replaced by the next attempt's outcome (its failed attempts kept in the provenance).

``save_results`` stores several results in the caller's transaction in a handful of statements:
one read of the rows already stored for their clause texts, one INSERT or UPDATE per result, and
their flags (``review.flags.flag_saved``: a query, a delete, an insert). ``save_batch`` wraps it
in a transaction of its own; the executor's writer thread commits each batch before it reports
any of its results done, so a killed run loses only the batch in flight, which the next run
redoes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from clauselens.errors import StoreError
from clauselens.review.flags import ROW_COLUMNS, flag_saved
from clauselens.schemas import AnalysisResult, ClauseAnalysis
from clauselens.store import tables as t

# Which analyzer's analysis stands when a clause has several: lower is preferred.
ANALYZER_RANK: dict[str, int] = {"claude": 0, "offline": 1}

Pending = tuple[AnalysisResult, int | None]  # a result and the clause it was made for
Row = dict[str, Any]


@dataclass(frozen=True)
class AnalysisKey:
    clause_sha256: str
    analyzer: str
    model: str
    prompt_version: str

    def where(self) -> sa.ColumnElement[bool]:
        a = t.analyses.c
        return sa.and_(
            a.clause_sha256 == self.clause_sha256,
            a.analyzer == self.analyzer,
            a.model == self.model,
            a.prompt_version == self.prompt_version,
        )

    def matches(self, row: Row) -> bool:
        return (row["analyzer"], row["model"], row["prompt_version"]) == (
            self.analyzer,
            self.model,
            self.prompt_version,
        )


def key_of(result: AnalysisResult) -> AnalysisKey:
    p = result.provenance
    return AnalysisKey(result.clause_sha256, p.analyzer, p.model, p.prompt_version)


def valid_keys(conn: sa.Connection, analyzer: str, model: str, prompt_version: str) -> set[str]:
    """The clause hashes that already have a valid analysis for this analyzer/model/prompt."""
    a = t.analyses.c
    rows = conn.execute(
        sa.select(a.clause_sha256).where(
            a.analyzer == analyzer,
            a.model == model,
            a.prompt_version == prompt_version,
            a.status == "valid",
        )
    )
    return set(rows.scalars())


def _row_values(
    result: AnalysisResult, clause_pk: int | None, run_id: str | None
) -> dict[str, Any]:
    analysis = result.analysis
    provenance = result.provenance.model_copy(update={"run_id": run_id or result.provenance.run_id})
    return {
        "clause_sha256": result.clause_sha256,
        "analyzer": provenance.analyzer,
        "model": provenance.model,
        "prompt_version": provenance.prompt_version,
        "status": result.status,
        "analysis": analysis.model_dump(mode="json") if analysis else None,
        "error": result.error,
        "provenance": provenance.model_dump(mode="json"),
        "input_truncated": result.input_truncated,
        "triaged_out": result.triaged_out,
        "triage_reason": result.triage_reason,
        "severity": analysis.severity if analysis else None,
        "confidence": analysis.confidence if analysis else None,
        "clause_pk": clause_pk,
        "run_id": provenance.run_id,
        "generated_at": provenance.generated_at,
    }


# Built once, so that SQLAlchemy compiles each of them once per connection pool.
_A = t.analyses
_STORED = (
    sa.select(*(_A.c[name] for name in ROW_COLUMNS))
    .where(_A.c.clause_sha256.in_(sa.bindparam("shas", expanding=True)))
    .order_by(_A.c.id)
)
_INSERT = _A.insert()
_UPDATE = _A.update().where(_A.c.id == sa.bindparam("existing_id"))


def _stored_rows(conn: sa.Connection, where: sa.Select[Any], **params: Any) -> dict[str, list[Row]]:
    rows: dict[str, list[Row]] = {}
    for row in conn.execute(where, params).mappings():
        rows.setdefault(row["clause_sha256"], []).append(dict(row))
    return rows


def _insert(conn: sa.Connection, values: dict[str, Any], guarded: bool) -> int | None:
    """INSERT the row and return its id; ``guarded``: inside a savepoint, and None when another
    writer stored the key meanwhile (the unique key refused it)."""
    if not guarded:
        return _insert_pk(conn, values)
    try:
        with conn.begin_nested():
            return _insert_pk(conn, values)
    except IntegrityError:
        return None


def _insert_pk(conn: sa.Connection, values: dict[str, Any]) -> int:
    key = conn.execute(_INSERT, values).inserted_primary_key
    if key is None:  # pragma: no cover - the table has an integer key
        raise StoreError("insert returned no primary key")
    return int(key[0])


def save_results(
    conn: sa.Connection, pending: Sequence[Pending], *, run_id: str | None = None, guarded: bool
) -> list[int]:
    """Store each result under its key, in order, and return the analysis row ids.

    A valid analysis already stored for the key wins (the new result is dropped); a stored
    failure is replaced, keeping its failed attempts in front of the new ones. ``guarded``: each
    INSERT in a savepoint, for a connection that other writers may race; unguarded, a race
    raises ``IntegrityError`` and the caller redoes the whole transaction guarded.
    """
    shas = sorted({result.clause_sha256 for result, _ in pending})
    same_text = _stored_rows(conn, _STORED, shas=shas)
    saved: dict[int, Row] = {}
    fresh: set[int] = set()
    pks: list[int] = []
    for result, clause_pk in pending:
        key, values = key_of(result), _row_values(result, clause_pk, run_id)
        rows = same_text.setdefault(key.clause_sha256, [])
        existing = next((row for row in rows if key.matches(row)), None)
        if existing is None:
            pk = _insert(conn, values, guarded)
            if pk is not None:
                row = {name: values[name] for name in ROW_COLUMNS if name != "id"}
                saved[pk] = {**row, "id": pk}
                rows.append(saved[pk])
                fresh.add(pk)
                pks.append(pk)
                continue
            raced = _stored_rows(
                conn, sa.select(*(_A.c[n] for n in ROW_COLUMNS)).where(key.where())
            )
            existing = raced[key.clause_sha256][0]
            rows.append(existing)
        pks.append(int(existing["id"]))
        if existing["status"] == "valid":
            continue
        earlier = (existing["provenance"] or {}).get("failed_attempts", [])
        values["provenance"]["failed_attempts"] = earlier + values["provenance"]["failed_attempts"]
        values.pop("clause_pk")  # the row keeps the clause it was first made for
        conn.execute(_UPDATE, {**values, "existing_id": existing["id"]})
        existing.update(values)
        saved[int(existing["id"])] = existing
    flag_saved(conn, saved.values(), same_text, fresh=fresh)
    return pks


def save_result(
    conn: sa.Connection,
    result: AnalysisResult,
    *,
    clause_pk: int | None = None,
    run_id: str | None = None,
) -> int:
    """Store one ``result`` in the caller's transaction (see ``save_results``); its row id."""
    return save_results(conn, [(result, clause_pk)], run_id=run_id, guarded=True)[0]


def save_batch(engine: sa.Engine, pending: Sequence[Pending], run_id: str | None = None) -> None:
    """Store ``pending`` in one transaction of its own, committed when this returns.

    Unguarded first (no savepoints); if another writer stored one of the keys meanwhile, the
    transaction is rolled back and done again with every INSERT guarded.
    """
    try:
        with engine.begin() as conn:
            save_results(conn, pending, run_id=run_id, guarded=False)
    except IntegrityError:
        with engine.begin() as conn:
            save_results(conn, pending, run_id=run_id, guarded=True)


def load_analysis(conn: sa.Connection, analysis_pk: int) -> ClauseAnalysis | None:
    """The analysis as it stands: an analyst's edit when there is one, else the original."""
    row = conn.execute(
        sa.select(t.analyses.c.analysis, t.analyses.c.reviewed_analysis).where(
            t.analyses.c.id == analysis_pk
        )
    ).one()
    data = row.reviewed_analysis or row.analysis
    return ClauseAnalysis.model_validate(data) if data else None
