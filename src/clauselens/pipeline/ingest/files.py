"""Capture files: which may be read, and reading them within the capture limit.

- Only regular files are read. A directory, a device (``/dev/zero``), a FIFO or a socket named as
  a capture is refused from ``stat`` before it is opened, and checked again on the open file
  (opened non-blocking, so a FIFO cannot hang the open).
- The limit (``Settings.max_capture_bytes``) is enforced while reading: at most limit + 1 bytes
  are read, whatever size the file claimed. Sizes are decimal megabytes (1 MB = 1,000,000 bytes),
  in the messages as in the README.
- A file found through a manifest or a folder must resolve, symbolic links followed, inside that
  manifest's (or folder's) own folder or one of ``Settings.allow_roots``.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Sequence
from pathlib import Path

from clauselens.errors import CaptureError

MB = 1_000_000

#: What a capture path is when it is not a regular file, tested in this order.
_NOT_REGULAR: tuple[tuple[Callable[[int], bool], str], ...] = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
)


def megabytes(size: int) -> str:
    """``20000000`` → ``20 MB``; ``20971520`` → ``20.97152 MB`` (decimal megabytes)."""
    return f"{size / MB:,.6f}".rstrip("0").rstrip(".") + " MB"


def limit_text(limit: int) -> str:
    return (
        f"the capture limit of {megabytes(limit)} ({limit:,} bytes; 1 MB = 1,000,000 bytes; "
        "setting max_capture_bytes, env CLAUSELENS_MAX_CAPTURE_BYTES)"
    )


def _refuse_kind(name: str, mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    kind = next((what for test, what in _NOT_REGULAR if test(mode)), "not a file")
    raise CaptureError(name, f"{kind}, not a regular file: only regular files are read")


def _refuse_size(name: str, size: int, limit: int) -> None:
    if size > limit:
        raise CaptureError(
            name, f"file is {size / MB:,.1f} MB ({size:,} bytes), over {limit_text(limit)}"
        )


def read_bounded(path: Path, limit: int) -> bytes:
    """The bytes of the regular file ``path``, refused when over ``limit`` bytes."""
    name = str(path)
    try:
        _refuse_kind(name, path.stat().st_mode)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise CaptureError(name, f"cannot read: {exc.strerror or exc}") from exc
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fd)
        _refuse_kind(name, info.st_mode)  # replaced since the stat above
        _refuse_size(name, info.st_size, limit)
        try:
            raw = fh.read(info.st_size + 1)
            if len(raw) > info.st_size:  # grew since fstat: read on, still within the limit
                raw += fh.read(limit + 1 - len(raw))
        except OSError as exc:
            raise CaptureError(name, f"cannot read: {exc.strerror or exc}") from exc
    if len(raw) > limit:
        raise CaptureError(name, f"file grew while read, past {limit_text(limit)}")
    return raw


def inside(path: Path, folders: Sequence[Path]) -> bool:
    """Whether ``path``, symbolic links resolved, lies in one of ``folders`` (resolved too)."""
    real = path.resolve()
    return any(real.is_relative_to(folder.resolve()) for folder in folders)


def outside_reason(named: str, path: Path, folder: Path, what: str) -> str:
    """Why a file found through ``folder`` (a manifest's or a walked folder) is refused."""
    return (
        f"refused: {named} resolves to {path.resolve()}, outside {what} {folder.resolve()}; "
        "allow a folder with --allow-root DIR (setting allow_roots)"
    )
