"""Change analysis: what a modified provision's new wording means for users.

``analyze_changes(engine, analyzer, version_pk)`` gives every ``modified`` change of a version a
validated ``ChangeAnalysis`` (stored in ``changes.change_analysis`` with ``analyzer``, ``severity``
and ``change_provenance``, whose ``run_id`` names the run that paid for it). The analyzer is any
``analyzers.base.ChangeAnalyzer``: Claude's change prompt (old text, new text and the previous
analysis), or the offline estimate (``analyzers.offline.change``). With ``claims`` (a run has
them), each change is claimed just before its request is sent, so that two runs on one store
never pay for the same change analysis (``change_claims``).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import sqlalchemy as sa

from clauselens.analyzers.base import ChangeAnalyzer, DocumentContext
from clauselens.pipeline.versions import changes
from clauselens.pipeline.versions.change_claims import ChangeClaims, done_for
from clauselens.schemas import ClauseAnalysis, Usage
from clauselens.store import tables as t
from clauselens.store.queries import standing_analysis


@dataclass
class ChangeAnalysisReport:
    """What ``analyze_changes`` did: change rows analysed, skipped (already done) and failed."""

    analysed: int = 0
    skipped: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)  # (change pk, error)
    claimed_elsewhere: int = 0  # left to another run that claimed them first
    usage: Usage = field(default_factory=Usage)
    cost_usd: float = 0.0


@dataclass(frozen=True)
class _Job:
    change_pk: int
    old_text: str
    new_text: str
    heading_path: tuple[str, ...]
    previous: ClauseAnalysis | None


def previous_analysis(conn: sa.Connection, clause_pk: int) -> ClauseAnalysis | None:
    """The analysis standing for a clause, as it stands (``store.queries.standing_analysis``)."""
    c = t.clauses.c
    origin = changes.analysis_origin(conn, clause_pk)
    sha = conn.execute(sa.select(c.clause_sha256).where(c.id == origin)).scalar_one()
    found = standing_analysis(conn, sha)
    return found.analysis() if found is not None else None


def _jobs(
    conn: sa.Connection, analyzer: str, version_pk: int, redo: bool
) -> tuple[list[_Job], int]:
    ch, new = t.changes, t.clauses
    rows = conn.execute(
        sa.select(
            ch.c.id, ch.c.analyzer, ch.c.change_provenance, ch.c.old_clause_pk, new.c.heading_path
        )
        .join(new, new.c.id == ch.c.new_clause_pk)
        .where(ch.c.to_version_pk == version_pk, ch.c.change_class == "modified")
        .order_by(ch.c.id)
    ).all()
    jobs, skipped = [], 0
    for pk, done_by, provenance, old_pk, path in rows:
        if not redo and done_for(analyzer, done_by, provenance):
            skipped += 1
            continue
        old_text, new_text = changes.provision_texts(conn, int(pk))
        previous = previous_analysis(conn, int(old_pk))
        jobs.append(_Job(int(pk), old_text, new_text, tuple(path or ()), previous))
    return jobs, skipped


async def analyze_changes(
    engine: sa.Engine,
    analyzer: ChangeAnalyzer,
    version_pk: int,
    *,
    document: DocumentContext,
    redo: bool = False,
    concurrency: int = 4,
    run_id: str | None = None,
    claims: ChangeClaims | None = None,
) -> ChangeAnalysisReport:
    """A change analysis for every modified provision of ``version_pk`` not yet analysed.

        A row analysed by ``claude`` is never overwritten by ``offline``, unless Claude's answer was
    synthetic (the fake API server's): ``offline`` replaces that one; ``redo`` re-analyses.
        Each result is committed as it completes, its provenance carrying ``run_id``; a failed one
        is reported and left empty.
    """
    with engine.connect() as conn:
        jobs, skipped = _jobs(conn, analyzer.name, version_pk, redo)
    report = ChangeAnalysisReport(skipped=skipped)
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(job: _Job) -> None:
        async with gate:
            if claims is not None and not claims.take(job.change_pk):
                report.claimed_elsewhere += 1
                return
            result = await analyzer.analyze_change(
                job.old_text, job.new_text, job.previous, document, job.heading_path
            )
        provenance = result.provenance.model_copy(update={"run_id": run_id})
        report.usage += provenance.usage
        report.cost_usd += provenance.cost_usd
        if result.analysis is None:
            report.failed.append((job.change_pk, result.error or "no analysis"))
            return
        with engine.begin() as conn:
            conn.execute(
                t.changes.update()
                .where(t.changes.c.id == job.change_pk)
                .values(
                    change_analysis=result.analysis.model_dump(mode="json"),
                    change_provenance=provenance.model_dump(mode="json"),
                    analyzer=analyzer.name,
                    severity=result.analysis.severity,
                )
            )
            if claims is not None:
                claims.end(conn, job.change_pk)
        report.analysed += 1

    try:
        await asyncio.gather(*(one(job) for job in jobs))
    finally:
        if claims is not None:
            claims.release_all()
    return report
