"""Analysing gold items the way a run analyses clauses, with a run's cache.

Each gold text becomes the analyzer input a segmented clause would (``clause_input``), goes to
the analyzer's ``analyze`` (requests, retries, validation, re-asks) and is stored by the run's
``save_batch`` in an evaluation store, under the run's analysis key (clause text, analyzer,
model, prompt version) with the effort added to the prompt version for Claude: a second eval of
the same items and configuration reads the stored results and sends nothing. A stored failure is
tried again, as a run would. The scheduling is this module's: up to ``concurrency`` requests at
once, results committed a group at a time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from clauselens.analyzers.base import Analyzer, ClauseInput, DocumentContext, clause_input
from clauselens.config import Settings
from clauselens.pipeline.analyze.persist import save_batch
from clauselens.schemas import AnalysisResult, Clause, ClauseAnalysis, Provenance
from clauselens.store.queries.analyses import results_for_key
from clauselens.textnorm import clause_sha256

COMMIT_EVERY = 32


@dataclass(frozen=True)
class GoldText:
    """One gold item as analyzer input material."""

    id: str
    text: str
    entity: str = "Gold set"
    title: str = "Terms"
    terms_type: str = "Terms of Service"
    heading_path: tuple[str, ...] = ()

    def as_input(self, settings: Settings) -> ClauseInput:
        clause = Clause(
            index=0,
            heading_path=list(self.heading_path),
            text=self.text,
            start=0,
            end=len(self.text),
            clause_sha256=clause_sha256(self.text),
        )
        document = DocumentContext(self.entity, self.title, self.terms_type)
        return clause_input(clause, document, settings.segment.prompt_max_chars)


def key_version(analyzer: Analyzer, effort: str | None) -> str:
    """The prompt version an eval stores under: Claude's answers differ by effort."""
    return analyzer.prompt_version if effort is None else f"{analyzer.prompt_version}+{effort}"


def _from_row(row: sa.Row[tuple[object, ...]], sha: str) -> AnalysisResult:
    analysis = ClauseAnalysis.model_validate(row.analysis) if row.analysis else None
    return AnalysisResult(
        clause_sha256=sha,
        status=row.status,
        analysis=analysis,
        error=row.error,
        provenance=Provenance.model_validate(row.provenance),
        input_truncated=bool(row.input_truncated),
    )


def stored(
    engine: sa.Engine, analyzer: Analyzer, version: str, shas: Sequence[str]
) -> dict[str, AnalysisResult]:
    """The valid stored results of ``shas`` under the eval's key."""
    with engine.connect() as conn:
        rows = results_for_key(conn, shas, analyzer.name, analyzer.model, version)
    return {sha: _from_row(row, sha) for sha, row in rows.items() if row.status == "valid"}


async def analyse(
    engine: sa.Engine,
    analyzer: Analyzer,
    version: str,
    inputs: Sequence[ClauseInput],
    *,
    concurrency: int,
    on_start: Callable[[int], None] | None = None,
    on_result: Callable[[AnalysisResult], None] | None = None,
) -> dict[str, AnalysisResult]:
    """Results for every input (by clause hash): stored ones read back, the others analysed
    and stored. ``on_start`` gets how many are to analyse; ``on_result`` each new result."""
    unique = {i.clause_sha256: i for i in inputs}
    results = stored(engine, analyzer, version, list(unique))
    todo = [i for sha, i in unique.items() if sha not in results]
    if on_start:
        on_start(len(todo))
    gate = asyncio.Semaphore(max(1, concurrency))
    waiting: list[tuple[AnalysisResult, int | None]] = []
    loop = asyncio.get_running_loop()

    async def flush() -> None:
        batch, waiting[:] = list(waiting), []
        if batch:
            await loop.run_in_executor(None, save_batch, engine, batch, None)

    async def one(clause: ClauseInput) -> None:
        async with gate:
            result = await analyzer.analyze(clause)
        provenance = result.provenance.model_copy(update={"prompt_version": version})
        result = result.model_copy(update={"provenance": provenance})
        results[clause.clause_sha256] = result
        waiting.append((result, None))
        if on_result:
            on_result(result)
        if len(waiting) >= COMMIT_EVERY:
            await flush()

    await asyncio.gather(*(one(clause) for clause in todo))
    await flush()
    return results
