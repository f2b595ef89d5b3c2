"""Group commits: a result is reported only once committed, stored once, a storage error stops
the run, and a batch stores what one-at-a-time saves store (``pipeline.analyze``, with the real
SDK against the fake API)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from clauselens.analyzers.base import ClauseInput
from clauselens.analyzers.claude import ClaudeAnalyzer
from clauselens.config import Settings
from clauselens.pipeline.analyze import executor as executor_module
from clauselens.pipeline.analyze.executor import LINGER, Executor, OnResult, Outcome
from clauselens.pipeline.analyze.persist import save_batch, save_result
from clauselens.pipeline.analyze.work import WorkItem, clause_inputs
from clauselens.pipeline.ingest.captures import ingest
from clauselens.pipeline.segment.clauses import heading_only
from clauselens.schemas import AnalysisResult, Provenance
from clauselens.store import tables as t
from clauselens.testing.fake_api import FakeApi
from tests.support.analyses import written_analysis
from tests.support.paths import FIXTURES

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


class TestOneBatchIsLikeOneAtATime:
    async def test_failure_then_retry_then_failure_of_one_key(
        self, engine: sa.Engine, claude_settings: Settings, fake_api: FakeApi
    ) -> None:
        """Saved in one batch, a failure, a valid retry and a later failure of the same key
        leave the row, failed attempts and flags that three separate saves leave."""
        item = work_items(engine, claude_settings)[0]
        settings = claude_settings.model_copy(update={"max_attempts": 1})
        analyzer = ClaudeAnalyzer(settings)
        try:
            fake_api.script("schema_invalid")
            failed = await analyzer.analyze(item.input)
            valid = await analyzer.analyze(item.input)
            fake_api.script("non_json")
            failed_again = await analyzer.analyze(item.input)
        finally:
            await analyzer.aclose()
        assert [failed.status, valid.status, failed_again.status] == ["failed", "valid", "failed"]
        results = [(r, item.clause_pk) for r in (failed, valid, failed_again)]

        save_batch(engine, results, run_id="batch")
        in_one = stored_row(engine, item.input.clause_sha256)
        with engine.begin() as conn:
            conn.execute(t.flags.delete())
            conn.execute(t.analyses.delete())
        for pending in results:
            with engine.begin() as conn:
                save_result(conn, pending[0], clause_pk=pending[1], run_id="batch")
        one_at_a_time = stored_row(engine, item.input.clause_sha256)

        assert in_one == one_at_a_time
        status, attempts, flags = in_one
        assert status == "valid"
        assert attempts == ["schema_invalid"]
        assert flags


def stored_row(engine: sa.Engine, sha: str) -> tuple[str, list[str], list[str]]:
    """The stored analysis of a clause text: status, failed attempt kinds, flag codes."""
    a, f = t.analyses.c, t.flags.c
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(a.id, a.status, a.provenance).where(a.clause_sha256 == sha)
        ).one()
        flags = conn.execute(sa.select(f.code).where(f.analysis_pk == row.id).order_by(f.code))
        kinds = [attempt["kind"] for attempt in row.provenance["failed_attempts"]]
        return row.status, kinds, list(flags.scalars())


class SpacedAnalyzer:
    """Answers one clause every ``GAP`` seconds (concurrency 1), with a hand-written analysis:
    results arrive further apart than a commit takes, so only the linger groups them."""

    GAP = LINGER / 10
    name = "offline"
    model = "spaced-test-analyzer"
    prompt_version = "test"

    async def analyze(self, clause: ClauseInput) -> AnalysisResult:
        await asyncio.sleep(self.GAP)
        return AnalysisResult(
            clause_sha256=clause.clause_sha256,
            status="valid",
            analysis=written_analysis(clause.text),
            provenance=Provenance(
                analyzer="offline",
                model=self.model,
                prompt_id="test",
                prompt_version="test",
                generated_at=datetime.now(UTC),
            ),
        )

    async def aclose(self) -> None:
        return None


class TestLinger:
    async def test_results_a_little_apart_share_a_transaction_and_all_are_stored(
        self, engine: sa.Engine, claude_settings: Settings, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Results ``LINGER / 10`` apart are committed several to a transaction (one commit
        per result without the linger), and every one is stored and reported."""
        items = work_items(engine, claude_settings)
        sizes: list[int] = []

        def counting_save(
            engine_: sa.Engine,
            pending: list,  # type: ignore[type-arg]
            run_id: str | None,
            claim_holder: str | None = None,
        ) -> None:
            sizes.append(len(pending))
            save_batch(engine_, pending, run_id, claim_holder)

        monkeypatch.setattr(executor_module, "save_batch", counting_save)
        reported: list[WorkItem] = []
        executor = Executor(
            engine,
            SpacedAnalyzer(),  # type: ignore[arg-type]
            concurrency=1,
            on_result=lambda item, _: reported.append(item),
        )
        outcome = await executor.run(items)

        assert len(items) >= 10
        assert outcome.analysed == len(reported) == sum(sizes) == len(items)
        assert len(sizes) <= len(items) / 2, sizes
        with engine.connect() as conn:
            stored_count = conn.execute(sa.select(sa.func.count()).select_from(t.analyses))
            assert stored_count.scalar_one() == len(items)
