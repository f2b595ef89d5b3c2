"""Persist analyses: one row per analysis key (clause_sha256, analyzer, model, prompt version).

The unique key guards against duplicates: a valid analysis is never stored twice, and a failed
one is replaced by the next attempt's outcome (its failed attempts kept in the provenance).
Each save is its own short transaction, so an analysis is committed as soon as it completes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from clauselens.review.flags import flag_analysis
from clauselens.schemas import AnalysisResult
from clauselens.store import insert_pk
from clauselens.store import tables as t


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
    }


def save_result(
    conn: sa.Connection,
    result: AnalysisResult,
    *,
    clause_pk: int | None = None,
    run_id: str | None = None,
) -> int:
    """Store ``result`` under its key and return the analysis row id.

    A valid analysis already stored for the key wins (the new result is dropped); a stored
    failure is replaced, keeping its failed attempts in front of the new ones.
    """
    key = key_of(result)
    a = t.analyses
    existing = conn.execute(
        sa.select(a.c.id, a.c.status, a.c.provenance).where(key.where())
    ).first()
    values = _row_values(result, clause_pk, run_id)
    if existing is None:
        try:
            with conn.begin_nested():
                pk = insert_pk(conn, a.insert().values(**values))
        except IntegrityError:  # another worker stored the same key meanwhile
            existing = conn.execute(
                sa.select(a.c.id, a.c.status, a.c.provenance).where(key.where())
            ).one()
        else:
            flag_analysis(conn, pk, row=values, fresh=True)
            return pk
    if existing.status == "valid":
        return int(existing.id)
    earlier = existing.provenance.get("failed_attempts", [])
    values["provenance"]["failed_attempts"] = earlier + values["provenance"]["failed_attempts"]
    values.pop("clause_pk")
    conn.execute(a.update().where(a.c.id == existing.id).values(**values))
    flag_analysis(conn, int(existing.id))
    return int(existing.id)
