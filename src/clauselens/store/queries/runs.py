"""What a run has stored under its id: the one count of a run, whichever way its requests went.

Analyses carry the id of the run that paid for them (``analyses.run_id``), and so do change
analyses (``changes.change_provenance.run_id``); batches carry theirs. ``run_totals`` reads
them back: a finished run's summary, a collection finished by another process, and a killed
run's spending all come from here.

Synthetic analyses (answered by clauselens' fake API server) are counted apart, ``synthetic``,
and their cost is never added to the run's: it is not Claude spend. They still count as
``analysed`` (the run did analyse those clauses) and their tokens stay in ``usage``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from clauselens.schemas import Failure, Usage
from clauselens.store import tables as t


@dataclass
class RunTotals:
    """Counts, usage and cost of what is stored under one run id."""

    analysed: int = 0  # valid analyses, triaged ones included
    triaged: int = 0  # valid offline analyses kept from Claude by triage
    synthetic: int = 0  # analyses and change analyses answered by the fake API server
    failed: int = 0
    flagged: int = 0  # analyses with at least one flag
    change_analyses: int = 0
    uncollected: int = 0  # batches not collected yet
    forgotten: int = 0  # batches given up on
    usage: Usage = field(default_factory=Usage)
    cost_usd: float = 0.0
    failures: list[Failure] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "analysed": self.analysed,
            "failed": self.failed,
            "flagged": self.flagged,
            "triaged": self.triaged,
            "synthetic": self.synthetic,
            "change_analyses": self.change_analyses,
        }


def _spend(totals: RunTotals, provenance: dict[str, Any]) -> None:
    """Add one analysis's tokens, and its cost unless it is synthetic (counted apart)."""
    totals.usage += Usage.model_validate(provenance.get("usage", {}))
    if provenance.get("synthetic"):
        totals.synthetic += 1
        return
    totals.cost_usd += float(provenance.get("cost_usd", 0.0))


def _add_analyses(conn: sa.Connection, run_id: str, totals: RunTotals) -> None:
    a, c = t.analyses, t.clauses
    query = (
        sa.select(
            a.c.status, a.c.triaged_out, a.c.provenance, a.c.error, a.c.clause_pk, c.c.heading_path
        )
        .outerjoin(c, c.c.id == a.c.clause_pk)
        .where(a.c.run_id == run_id)
        .order_by(a.c.id)
    )
    for row in conn.execute(query):
        _spend(totals, row.provenance)
        if row.status == "valid":
            totals.analysed += 1
            totals.triaged += int(bool(row.triaged_out))
            continue
        totals.failed += 1
        heading = " > ".join(row.heading_path or ()) or "(no heading)"
        totals.failures.append(Failure(int(row.clause_pk or 0), heading, row.error or "failed"))


def _add_changes(conn: sa.Connection, run_id: str, totals: RunTotals) -> None:
    ch = t.changes.c
    paid = ch.change_provenance["run_id"].as_string() == run_id
    query = sa.select(ch.change_provenance).where(ch.change_analysis.is_not(None), paid)
    for provenance in conn.execute(query).scalars():
        totals.change_analyses += 1
        _spend(totals, provenance)


def _count(conn: sa.Connection, query: sa.Select[Any]) -> int:
    return int(conn.execute(query).scalar_one())


def run_totals(conn: sa.Connection, run_id: str) -> RunTotals:
    """Everything stored under ``run_id`` (see the module docstring)."""
    totals = RunTotals()
    _add_analyses(conn, run_id, totals)
    _add_changes(conn, run_id, totals)
    a, f, b = t.analyses.c, t.flags.c, t.batches.c
    totals.flagged = _count(
        conn,
        sa.select(sa.func.count(sa.distinct(f.analysis_pk)))
        .join(t.analyses, a.id == f.analysis_pk)
        .where(a.run_id == run_id),
    )
    totals.uncollected = uncollected_batches(conn, run_id)
    totals.forgotten = _count(
        conn, sa.select(sa.func.count()).where(b.run_id == run_id, b.status == "forgotten")
    )
    return totals


def uncollected_batches(conn: sa.Connection, run_id: str) -> int:
    """How many of the run's Message Batches are not collected yet."""
    b = t.batches.c
    return _count(
        conn, sa.select(sa.func.count()).where(b.run_id == run_id, b.collected_at.is_(None))
    )


def run_batch_ids(conn: sa.Connection, run_id: str) -> list[str]:
    """The ids of the Message Batches a run submitted, in submission order."""
    b = t.batches.c
    return list(
        conn.execute(sa.select(b.batch_id).where(b.run_id == run_id).order_by(b.id)).scalars()
    )
