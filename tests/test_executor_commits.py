"""Group commits: a result is reported only once committed, stored once, and a storage error
stops the run (``pipeline.analyze.Executor`` with the real SDK against the fake API)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
import sqlalchemy as sa

from clauselens.analyzers.claude import ClaudeAnalyzer
from clauselens.config import Settings
from clauselens.pipeline.analyze.executor import Executor, OnResult, Outcome
from clauselens.pipeline.analyze.work import WorkItem, clause_inputs
from clauselens.pipeline.ingest.captures import ingest
from clauselens.pipeline.segment.clauses import heading_only
from clauselens.schemas import AnalysisResult
from clauselens.store import tables as t
from tests.conftest import FIXTURES

AUP = FIXTURES / "ota" / "current" / "claude-ai" / "acceptable-use-policy.md"
META = {"entity": "Claude.ai", "title": "Usage Policy"}


def work_items(engine: sa.Engine, settings: Settings) -> list[WorkItem]:
    """Every clause of the ingested AUP that has something to analyse."""
    report = ingest(engine, [AUP], settings, META)
    version_pk = next(o.version_pk for o in report.outcomes if o.version_pk is not None)
    with engine.connect() as conn:
        inputs = clause_inputs(conn, version_pk, settings)
    return [WorkItem(pk, version_pk, c) for pk, c in inputs if not heading_only(c.text)]


async def execute(
    engine: sa.Engine,
    settings: Settings,
    items: Sequence[WorkItem],
    on_result: OnResult | None = None,
) -> Outcome:
    analyzer = ClaudeAnalyzer(settings)
    try:
        return await Executor(engine, analyzer, concurrency=8, on_result=on_result).run(items)
    finally:
        await analyzer.aclose()


def stored(engine: sa.Engine, sha: str) -> tuple[int, int]:
    """(analyses, flag rows) stored for a clause text, read on a connection of its own."""
    a, f = t.analyses.c, t.flags.c
    with engine.connect() as conn:
        analyses = conn.execute(
            sa.select(sa.func.count()).where(a.clause_sha256 == sha)
        ).scalar_one()
        flags = conn.execute(
            sa.select(sa.func.count())
            .select_from(t.flags.join(t.analyses, f.analysis_pk == a.id))
            .where(a.clause_sha256 == sha)
        ).scalar_one()
    return int(analyses), int(flags)


class TestGroupCommits:
    async def test_a_result_is_reported_only_once_committed_with_its_flags(
        self, engine: sa.Engine, claude_settings: Settings
    ) -> None:
        """When ``on_result`` runs, another connection already sees the analysis and its
        flags (the synthetic answers are low confidence, so every one has a flag)."""
        items = work_items(engine, claude_settings)
        seen: list[tuple[int, int]] = []

        def on_result(item: WorkItem, result: AnalysisResult) -> None:
            seen.append(stored(engine, item.input.clause_sha256))

        outcome = await execute(engine, claude_settings, items, on_result=on_result)
        assert outcome.analysed == len(items) > 1
        assert len(seen) == len(items)
        assert all(analyses == 1 and flags >= 1 for analyses, flags in seen), seen

    async def test_the_same_text_twice_in_one_run_is_stored_once(
        self, engine: sa.Engine, claude_settings: Settings
    ) -> None:
        """Two items with the same clause text (whatever batches they fall in) leave one
        analysis: the second result finds the first's valid analysis and is dropped."""
        items = work_items(engine, claude_settings)
        await execute(engine, claude_settings, items + items)
        a = t.analyses.c
        with engine.connect() as conn:
            keys = conn.execute(sa.select(a.clause_sha256)).scalars().all()
        assert sorted(keys) == sorted(i.input.clause_sha256 for i in items)

    async def test_a_storage_error_stops_the_run_and_is_raised(
        self, engine: sa.Engine, claude_settings: Settings
    ) -> None:
        """A write that fails stops the workers and is raised by ``run``; nothing is
        reported that was not stored."""
        items = work_items(engine, claude_settings)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE flags"))
        reported: list[WorkItem] = []
        with pytest.raises(sa.exc.OperationalError, match="flags"):
            await execute(
                engine, claude_settings, items, on_result=lambda item, _: reported.append(item)
            )
        assert reported == []
        with engine.connect() as conn:
            assert conn.execute(sa.select(sa.func.count()).select_from(t.analyses)).scalar() == 0
