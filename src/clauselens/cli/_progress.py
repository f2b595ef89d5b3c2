"""Progress for long runs: a bar with rate and ETA on a terminal, plain log lines otherwise."""

from __future__ import annotations

import time
from types import TracebackType

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from clauselens.pipeline.analyze.work import WorkItem
from clauselens.schemas import AnalysisResult

LOG_EVERY_SECONDS = 10.0


class RunProgress:
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

    def __enter__(self) -> RunProgress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
