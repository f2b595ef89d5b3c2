"""The garbage collector during a run: the heap a run starts with is frozen until it ends.

CPython's cyclic collector walks every tracked object of the generations it collects. A process
that has imported the SDK, pydantic and SQLAlchemy tracks a few hundred thousand objects, nearly
all in the oldest generation, and a full collection during a run walks them all while the event
loop waits: 175-189 ms once per 1,000-clause run at concurrency 32 on the bench machine, holding
up every request in flight (about a round of requests lost). Young collections came 93-97 times
per run, 100-110 ms in all.

``frozen_heap`` moves the objects that exist when a run starts to the collector's permanent
generation, which collections ignore (``gc.freeze``: "Freeze all the objects tracked by gc -
move them to a permanent generation and ignore all the future collections ... to speed up
collection", https://docs.python.org/3/library/gc.html#gc.freeze), and raises the young
generation's threshold for the run. Objects the run creates are still collected, so a reference
cycle made during the run is freed as before. On leaving, the threshold is restored and the
objects go back to the oldest generation (``gc.unfreeze``). A process with a collector policy of
its own keeps it: one that had frozen objects before (a server that freezes before forking,
say) is not frozen further, automatic collection turned off (threshold 0) stays off, and a
threshold it sets during a run is not undone. Objects it freezes during a run are unfrozen with
the run's when the run ends: telling them apart would mean counting the frozen objects, which
walks them all (24 ms for 200,000) at the end of every run. Runs may nest or overlap in one
process (threads, a worker running jobs): only the last one to leave restores.
``bench/run.py`` shows the effect.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

YOUNG_THRESHOLD = 10_000  # allocations between young collections during a run (CPython: 700)


class _Runs:
    """How many runs are inside ``frozen_heap`` in this process, and what the last to leave
    restores."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.depth = 0
        self.thresholds: tuple[int, ...] = gc.get_threshold()  # the host's, to restore
        self.ours: tuple[int, ...] = self.thresholds  # what the first run set
        self.frozen = False  # whether the first run froze the heap

    def enter(self) -> None:
        self.thresholds = gc.get_threshold()
        # else the host froze objects of its own: its policy. (Counting the frozen objects
        # walks them all: free when there are none, 24 ms for 200,000, so it is asked only
        # here, before freezing.)
        self.frozen = gc.get_freeze_count() == 0
        if self.frozen:
            gc.freeze()
        young = self.thresholds[0]
        if young != 0:  # 0: the host turned automatic collection off; leave it off
            gc.set_threshold(max(YOUNG_THRESHOLD, young), *self.thresholds[1:])
        self.ours = gc.get_threshold()

    def leave(self) -> None:
        """Restore what the first run changed; a threshold the host set meanwhile stays."""
        if gc.get_threshold() == self.ours:
            gc.set_threshold(*self.thresholds)
        if self.frozen:
            gc.unfreeze()
        self.frozen = False


_RUNS = _Runs()


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """Freeze the current heap and collect the young generation less often, until the block
    ends (see the module docstring)."""
    runs = _RUNS
    with runs.lock:
        if runs.depth == 0:
            runs.enter()
        runs.depth += 1
    try:
        yield
    finally:
        with runs.lock:
            runs.depth -= 1
            if runs.depth == 0:
                runs.leave()
