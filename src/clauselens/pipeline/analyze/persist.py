"""Persist analyses: one row per analysis key (clause_sha256, analyzer, model, prompt version).

The unique key guards against duplicates: a valid analysis is never stored twice, and a failed
one is replaced by the next attempt's outcome (its failed attempts kept in the provenance).

``save_results`` stores several results in the caller's transaction in a handful of statements:
one read of the rows already stored for their clause texts, an UPDATE per replaced failure, one
INSERT of the new rows (and one read of their ids), and their flags
(``review.flags.flag_saved``: a query, a delete, an insert), and where the new ones sit in the
review queue (``store.placement``: a query, an update). ``save_batch`` wraps it in a
transaction of its own; the executor's writer thread commits each batch before it reports any of
its results done, so a killed run loses only the batch in flight, which the next run redoes. The
same transaction ends the run's claims on those clause texts (``claims.release``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from clauselens.errors import StoreError
from clauselens.pipeline.analyze.claims import release
from clauselens.review.flags import ROW_COLUMNS, flag_saved
from clauselens.schemas import AnalysisResult
from clauselens.store import tables as t
from clauselens.store.placement import place_analyses

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
        "synthetic": provenance.synthetic,
    }


# Built once, so that SQLAlchemy compiles each of them once per connection pool.
_A = t.analyses
_STORED = (
    sa.select(*(_A.c[name] for name in ROW_COLUMNS))
    .where(_A.c.clause_sha256.in_(sa.bindparam("shas", expanding=True)))
    .order_by(_A.c.id)
)
_INSERT = _A.insert()
_IDS = sa.select(_A.c.id, _A.c.clause_sha256, _A.c.analyzer, _A.c.model, _A.c.prompt_version).where(
    _A.c.clause_sha256.in_(sa.bindparam("shas", expanding=True))
)
_UPDATE = _A.update().where(_A.c.id == sa.bindparam("existing_id"))


def _stored_rows(conn: sa.Connection, where: sa.Select[Any], **params: Any) -> dict[str, list[Row]]:
    rows: dict[str, list[Row]] = {}
    for row in conn.execute(where, params).mappings():
        rows.setdefault(row["clause_sha256"], []).append(dict(row))
    return rows


def _insert_pk(conn: sa.Connection, values: Row) -> int:
    key = conn.execute(_INSERT, values).inserted_primary_key
    if key is None:  # pragma: no cover - the table has an integer key
        raise StoreError("insert returned no primary key")
    return int(key[0])


def _insert_guarded(conn: sa.Connection, key: AnalysisKey, values: Row) -> Row | None:
    """INSERT the row in a savepoint and set its id; if another writer stored the key
    meanwhile (the unique key refuses it), return that writer's row instead."""
    try:
        with conn.begin_nested():
            values["id"] = _insert_pk(conn, values)
    except IntegrityError:
        where = sa.select(*(_A.c[name] for name in ROW_COLUMNS)).where(key.where())
        return _stored_rows(conn, where)[key.clause_sha256][0]
    return None


def _insert_new(conn: sa.Connection, rows: list[Row]) -> None:
    """INSERT the new rows of a batch in one statement, then read their ids back by their
    keys (one SELECT); set each row's id. ``INSERT ... RETURNING`` in parameter order is one
    statement per row on SQLite (SQLAlchemy's insertmanyvalues), half the writer's time."""
    params = [{name: value for name, value in row.items() if name != "id"} for row in rows]
    if not params:
        return
    conn.execute(_INSERT, params)
    shas = sorted({row["clause_sha256"] for row in params})
    ids = {
        (r.clause_sha256, r.analyzer, r.model, r.prompt_version): int(r.id)
        for r in conn.execute(_IDS, {"shas": shas})
    }
    for row in rows:
        row["id"] = ids[
            (row["clause_sha256"], row["analyzer"], row["model"], row["prompt_version"])
        ]


# What a real answer replacing a synthetic one resets: it has not been reviewed yet.
_REVIEW_RESET: Row = {
    "reviewed_analysis": None,
    "review_status": "pending",
    "reviewed_by": None,
    "reviewed_at": None,
}


def _replaces_synthetic(existing: Row, values: Row) -> bool:
    """A valid answer from the real API takes the place of the fake API's synthetic one (the
    run that made it did not count the synthetic answer as done: ``pending.synthetic_done``)."""
    was_synthetic = bool((existing["provenance"] or {}).get("synthetic"))
    return was_synthetic and values["status"] == "valid" and not values["synthetic"]


def save_results(
    conn: sa.Connection, pending: Sequence[Pending], *, run_id: str | None = None, guarded: bool
) -> list[int]:
    """Store each result under its key, as if one after another, and return the row ids.

    A valid analysis already stored for the key wins (the new result is dropped), unless it is
    the fake API's synthetic answer and the new one is real; a stored failure is replaced,
    keeping its failed attempts in front of the new ones. Unguarded, the
    new rows go in one INSERT at the end (a later result for the same key is merged into the
    row first), and a writer racing this one makes it raise ``IntegrityError``: the caller
    redoes the whole transaction guarded, with each INSERT in a savepoint at once.
    """
    shas = sorted({result.clause_sha256 for result, _ in pending})
    same_text = _stored_rows(conn, _STORED, shas=shas)
    new: list[Row] = []  # rows this batch adds (the values dicts themselves)
    updated: dict[int, Row] = {}
    standing: list[Row] = []  # for each result, the row that stands for its key
    for result, clause_pk in pending:
        key, values = key_of(result), _row_values(result, clause_pk, run_id)
        rows = same_text.setdefault(key.clause_sha256, [])
        existing = next((row for row in rows if key.matches(row)), None)
        if existing is None and guarded:
            existing = _insert_guarded(conn, key, values)
            if existing is not None:
                rows.append(existing)
        if existing is None:
            rows.append(values)
            new.append(values)
            standing.append(values)
            continue
        standing.append(existing)
        if _replaces_synthetic(existing, values):
            values.update(_REVIEW_RESET)  # the analyst reviewed the fake's answer, not this one
        elif existing["status"] == "valid":
            continue
        else:
            earlier = (existing["provenance"] or {}).get("failed_attempts", [])
            values["provenance"]["failed_attempts"] = (
                earlier + values["provenance"]["failed_attempts"]
            )
        values.pop("clause_pk")  # the row keeps the clause it was first made for
        if existing.get("id") is not None:  # else: new in this batch, its INSERT takes these
            conn.execute(_UPDATE, {**values, "existing_id": existing["id"]})
            updated[int(existing["id"])] = existing
        existing.update(values)
    _insert_new(conn, [row for row in new if row.get("id") is None])
    fresh = {int(row["id"]) for row in new}
    flag_saved(conn, [*updated.values(), *new], same_text, fresh=fresh)
    place_analyses(conn, fresh)  # where the new ones sit in the review queue
    return [int(row["id"]) for row in standing]


def save_result(
    conn: sa.Connection,
    result: AnalysisResult,
    *,
    clause_pk: int | None = None,
    run_id: str | None = None,
) -> int:
    """Store one ``result`` in the caller's transaction (see ``save_results``); its row id."""
    return save_results(conn, [(result, clause_pk)], run_id=run_id, guarded=True)[0]


def _save_batch(
    engine: sa.Engine,
    pending: Sequence[Pending],
    run_id: str | None,
    claim_holder: str | None,
    *,
    guarded: bool,
) -> None:
    with engine.begin() as conn:
        save_results(conn, pending, run_id=run_id, guarded=guarded)
        if claim_holder is not None:
            release(conn, claim_holder, {result.clause_sha256 for result, _ in pending})


def save_batch(
    engine: sa.Engine,
    pending: Sequence[Pending],
    run_id: str | None = None,
    claim_holder: str | None = None,
) -> None:
    """Store ``pending`` in one transaction of its own, committed when this returns; with
    ``claim_holder``, its claims on these clause texts end in the same transaction.

    Unguarded first (no savepoints); if another writer stored one of the keys meanwhile, the
    transaction is rolled back and done again with every INSERT guarded.
    """
    try:
        _save_batch(engine, pending, run_id, claim_holder, guarded=False)
    except IntegrityError:
        _save_batch(engine, pending, run_id, claim_holder, guarded=True)
