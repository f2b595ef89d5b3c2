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
objects go back to the oldest generation (``gc.unfreeze``), unless the process had frozen
objects of its own before (a server that freezes before forking, say), whose choice is left as
it was. Runs may nest or overlap in one process (threads, a worker running jobs): only the last
one to leave restores. ``bench/run.py`` shows the effect.
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
        self.thresholds: tuple[int, ...] = gc.get_threshold()
        self.unfreeze = True  # false when the process had frozen objects of its own


_RUNS = _Runs()


@contextlib.contextmanager
def frozen_heap() -> Iterator[None]:
    """Freeze the current heap and collect the young generation less often, until the block
    ends (see the module docstring)."""
    runs = _RUNS
    with runs.lock:
        if runs.depth == 0:
            runs.thresholds = gc.get_threshold()
            runs.unfreeze = gc.get_freeze_count() == 0
            gc.freeze()
            gc.set_threshold(max(YOUNG_THRESHOLD, runs.thresholds[0]), *runs.thresholds[1:])
        runs.depth += 1
    try:
        yield
    finally:
        with runs.lock:
            runs.depth -= 1
            if runs.depth == 0:
                gc.set_threshold(*runs.thresholds)
                if runs.unfreeze:
                    gc.unfreeze()
