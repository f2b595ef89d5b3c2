"""The garbage collector during a run (``pipeline.analyze.heap``): the heap a run starts with is
frozen and young collections are rarer until it ends; everything is as before afterwards, and
garbage made during the run is still collected."""

from __future__ import annotations

import gc
import threading
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


def _linked() -> tuple[_Node, _Node]:
    """Two objects that refer to each other: a reference cycle once no name holds them."""
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    return a, b


def _cycle() -> weakref.ref[_Node]:
    """A reference cycle no name holds (a collection frees it unless it is frozen)."""
    return weakref.ref(_linked()[0])


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


def test_a_cycle_alive_when_the_run_starts_is_frozen_then_collected_after() -> None:
    """Objects alive at the start are frozen (a collection inside leaves them), and go back
    to the collector when the run ends."""
    a, b = _linked()
    gone = weakref.ref(a)
    with frozen_heap():
        del a, b
        gc.collect()
        assert gone() is not None  # frozen: the collector ignores it
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


def test_a_process_that_froze_its_own_objects_is_not_frozen_further() -> None:
    """A host that froze objects before keeps its policy: what it froze stays frozen after the
    run, and the run freezes nothing more (garbage made before it, dropped during it, is
    collected)."""
    hosts = _cycle()
    gc.freeze()
    a, b = _linked()
    dropped = weakref.ref(a)
    with frozen_heap():
        del a, b
        gc.collect()
        assert dropped() is None
    gc.collect()
    assert hosts() is not None


def test_collection_turned_off_stays_off() -> None:
    gc.set_threshold(0)
    with frozen_heap():
        assert gc.get_threshold()[0] == 0
    assert gc.get_threshold()[0] == 0


def test_a_threshold_the_process_sets_during_a_run_is_kept() -> None:
    with frozen_heap():
        gc.set_threshold(5000, 11, 12)
    assert gc.get_threshold() == (5000, 11, 12)


def test_runs_overlapping_in_threads_restore_once_the_last_leaves() -> None:
    before = gc.get_threshold()
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen: list[tuple[int, tuple[int, ...]]] = []

    def first() -> None:
        with frozen_heap():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second() -> None:
        first_in.wait(5)
        with frozen_heap():
            second_in.set()
            first_out.wait(5)
            seen.append((gc.get_freeze_count(), gc.get_threshold()))

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert len(seen) == 1
    frozen_after_first_left, thresholds = seen[0]
    assert frozen_after_first_left > 0
    assert thresholds[0] == max(YOUNG_THRESHOLD, before[0])
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


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
