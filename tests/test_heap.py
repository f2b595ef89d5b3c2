"""The garbage collector during a run (``pipeline.analyze.heap``): the heap a run starts with is
frozen and young collections are rarer until it ends; everything is as before afterwards, and
garbage made during the run is still collected."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from clauselens.analyzers.claude import ClaudeAnalyzer
from clauselens.config import Settings
from clauselens.pipeline.analyze.executor import Executor
from clauselens.pipeline.analyze.heap import YOUNG_THRESHOLD, frozen_heap
from clauselens.pipeline.analyze.work import WorkItem, clause_inputs
from clauselens.pipeline.ingest.captures import ingest
from clauselens.pipeline.segment.clauses import heading_only
from clauselens.schemas import AnalysisResult
from tests.support.paths import FIXTURES

AUP = FIXTURES / "ota" / "current" / "claude-ai" / "acceptable-use-policy.md"


@pytest.fixture(autouse=True)
def collector_as_found() -> Iterator[None]:
    """Each test starts with nothing frozen and leaves the collector as it found it."""
    thresholds = gc.get_threshold()
    gc.unfreeze()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def test_the_heap_is_frozen_inside_and_restored_after() -> None:
    before = gc.get_threshold()
    with frozen_heap():
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] == max(YOUNG_THRESHOLD, before[0])
        assert gc.get_threshold()[1:] == before[1:]
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


def test_a_cycle_made_inside_is_still_collected() -> None:
    with frozen_heap():
        a, b = _Node(), _Node()
        a.other, b.other = b, a
        gone = weakref.ref(a)
        del a, b
        gc.collect()
        assert gone() is None


def test_nested_blocks_restore_only_when_the_outer_one_ends() -> None:
    before = gc.get_threshold()
    with frozen_heap():
        with frozen_heap():
            pass
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() != before or before[0] >= YOUNG_THRESHOLD
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


def test_a_process_that_froze_its_own_objects_keeps_them_frozen() -> None:
    gc.freeze()
    frozen = gc.get_freeze_count()
    assert frozen > 0
    with frozen_heap():
        pass
    assert gc.get_freeze_count() >= frozen


def test_an_error_inside_still_restores() -> None:
    before = gc.get_threshold()
    with pytest.raises(RuntimeError), frozen_heap():
        raise RuntimeError("boom")
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


async def test_an_executor_run_freezes_while_it_sends_and_restores_after(
    engine: sa.Engine, claude_settings: Settings
) -> None:
    """While the workers send requests the heap is frozen; once the run is over the collector
    is as it was."""
    report = ingest(engine, [AUP], claude_settings, {"entity": "Claude.ai", "title": "Usage"})
    version_pk = next(o.version_pk for o in report.outcomes if o.version_pk is not None)
    with engine.connect() as conn:
        inputs = clause_inputs(conn, version_pk, claude_settings)
    items = [WorkItem(pk, version_pk, c) for pk, c in inputs if not heading_only(c.text)][:4]
    before = gc.get_threshold()
    frozen_while_sending: list[int] = []

    class Watching(ClaudeAnalyzer):
        async def analyze(self, clause, *, reask=None):  # type: ignore[no-untyped-def]
            frozen_while_sending.append(gc.get_freeze_count())
            result: AnalysisResult = await super().analyze(clause, reask=reask)
            return result

    analyzer = Watching(claude_settings)
    try:
        outcome = await Executor(engine, analyzer, concurrency=2).run(items)
    finally:
        await analyzer.aclose()
    assert outcome.analysed == len(items) == 4
    assert len(frozen_while_sending) == 4
    assert min(frozen_while_sending) > 0
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before
