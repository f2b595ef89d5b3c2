"""Progress for long runs: a bar with rate and ETA on a terminal, plain log lines otherwise.

``RunProgress`` follows the analysis of clauses; ``IngestDisplay`` follows ingest, capture by
capture (a spinner with the capture and its step on a terminal; otherwise a line on stderr for
each step of a large capture and for each capture that took long).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import TracebackType
from typing import Self

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from clauselens.pipeline.analyze.work import WorkItem
from clauselens.pipeline.ingest.files import MB
from clauselens.pipeline.ingest.outcome import CaptureOutcome
from clauselens.pipeline.ingest.progress import Step
from clauselens.schemas import AnalysisResult

LOG_EVERY_SECONDS = 10.0
#: Without a terminal, each step of a capture at least this large gets a line on stderr...
LARGE_CAPTURE_BYTES = 1_000_000
#: ... and so does the end of any capture that took at least this long.
SLOW_CAPTURE_SECONDS = 2.0


class _ClosedOnExit:
    """A display used as a context manager: leaving the block closes it."""

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class RunProgress(_ClosedOnExit):
    """``on_start(total)`` and ``on_result(item, result)`` callbacks for ``pipeline.run``."""

    def __init__(self, label: str = "analysing", console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.label = label
        self.tty = self.console.is_terminal
        self.total = 0
        self.done = 0
        self.failed = 0
        self._started = time.monotonic()
        self._last_log = 0.0
        self._progress: Progress | None = None
        self._task: TaskID | None = None

    def on_start(self, total: int) -> None:
        self.total = total
        self._started = time.monotonic()
        if total == 0:
            click.echo("nothing to analyse: every clause already has a valid analysis", err=True)
            return
        if self.tty:
            self._progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]:.1f} clauses/s"),
                TextColumn("failed {task.fields[failed]}"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=self.console,
            )
            self._progress.start()
            self._task = self._progress.add_task(self.label, total=total, rate=0.0, failed=0)
        else:
            click.echo(f"{self.label}: {total} clause(s) to analyse", err=True)

    def on_result(self, item: WorkItem, result: AnalysisResult) -> None:
        self.done += 1
        self.failed += int(result.status == "failed")
        elapsed = max(time.monotonic() - self._started, 1e-9)
        rate = self.done / elapsed
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, advance=1, rate=rate, failed=self.failed)
            return
        now = time.monotonic()
        if self.done == self.total or now - self._last_log >= LOG_EVERY_SECONDS:
            self._last_log = now
            eta = (self.total - self.done) / rate if rate else 0.0
            click.echo(
                f"{self.label}: {self.done}/{self.total} ({self.done / self.total:.0%}), "
                f"{rate:.1f} clauses/s, {self.failed} failed, ETA {eta:.0f}s",
                err=True,
            )

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


class IngestDisplay(_ClosedOnExit):
    """An ``IngestProgress`` (``pipeline.ingest.progress``) that shows ingest as it goes."""

    def __init__(self, console: Console | None = None) -> None:
        self.console = console or Console(stderr=True)
        self.tty = self.console.is_terminal
        self.done_count = 0
        self._current = ""  # the capture being read, and since when
        self._started = time.monotonic()
        self._last_log = time.monotonic()
        self._progress: Progress | None = None
        self._task: TaskID | None = None
        self._closed = False

    def _spinner(self, description: str) -> tuple[Progress, TaskID]:
        if self._progress is None or self._task is None:
            self._progress = Progress(
                SpinnerColumn(),
                TextColumn("ingest {task.fields[count]}: {task.description}"),
                TimeElapsedColumn(),
                console=self.console,
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task(description, total=None, count=0)
        return self._progress, self._task

    def _line(self, path: str, step: Step, size: int | None) -> str:
        if size is None:
            return f"{path}: {step}"
        shown = f"{size / MB:,.1f} MB" if size >= MB / 10 else f"{size / 1000:,.1f} kB"
        return f"{path} ({shown}): {step}"

    def step(self, path: str, step: Step, size: int | None) -> None:
        if step == "reading":
            self._current, self._started = path, time.monotonic()
        if self.tty and not self._closed:
            line = self._line(path, step, size)
            progress, task = self._spinner(line)
            progress.update(task, description=line)
        elif size is not None and size >= LARGE_CAPTURE_BYTES:
            click.echo(f"ingest: {self._line(path, step, size)}", err=True)

    def done(self, outcome: CaptureOutcome) -> None:
        self.done_count += 1
        if self._progress is not None and self._task is not None:
            self._progress.update(self._task, count=self.done_count)
            return
        now = time.monotonic()
        took = now - self._started if outcome.path == self._current else 0.0
        if took >= SLOW_CAPTURE_SECONDS:
            click.echo(f"ingest: {outcome.path}: {outcome.outcome} in {took:.1f} s", err=True)
        elif now - self._last_log >= LOG_EVERY_SECONDS:
            click.echo(f"ingest: {self.done_count} capture(s) so far", err=True)
        else:
            return
        self._last_log = now

    def close(self) -> None:
        self._closed = True
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def closing_before(self, on_start: Callable[[int], None]) -> Callable[[int], None]:
        """``on_start`` that first ends this display: a terminal shows one live display at a
        time, and analysis starts once ingest is over."""

        def start(total: int) -> None:
            self.close()
            on_start(total)

        return start
