"""Reading a git repository: its commits in history order, and the files they recorded.

Through the git command line, in two long-lived processes, not a library: ``git log`` streams
every commit (id, parents, commit date, message, and the blob id and status of each file it
touched: ``--raw --no-abbrev -z``) and ``git cat-file --batch`` returns blobs by id. Why the CLI:
anyone who clones an Open Terms Archive collection has git, so nothing is added to install
(pygit2 needs libgit2 wheels, dulwich is pure Python and several times slower reading packs);
``cat-file --batch`` reads a blob for the price of a pipe write; and git itself answers the
questions a library would make us re-implement (ancestry, rev parsing, fetch).

Memory is flat in the number of commits: the log is read in chunks and split into commits as
they arrive, and each blob is read when its commit is reached. Commits come oldest first
(``--reverse --date-order``: parents before children). Merge commits carry no files (their
branches' commits carry their own); renames are a delete plus an add (``--no-renames``).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import IO

from clauselens.errors import SyncError

# A record starts with two NULs and a record separator: a message holds no NUL, a path is never
# empty, so the marker cannot occur inside a record (``git log -z`` ends every field with NUL).
_MARK = b"\x00\x00\x1e"
_FORMAT = "--format=%x00%x00%x1e%H%x00%P%x00%cI%x00%B"
_CHUNK = 1 << 16


@dataclass(frozen=True)
class Change:
    """One file a commit touched: ``status`` A (added), M, T (modified), D (deleted)."""

    status: str
    path: str
    blob: str  # the file's blob id after the commit (zeros when deleted)


@dataclass(frozen=True)
class Commit:
    id: str
    parents: tuple[str, ...]
    committed_at: datetime
    message: str
    changes: tuple[Change, ...]


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``git -C repo ARGS``; a failure (when ``check``) is a ``SyncError`` with git's words."""
    try:
        done = subprocess.run(
            ["git", "-C", str(repo), *args], capture_output=True, text=True, check=False
        )
    except FileNotFoundError as exc:  # pragma: no cover - git is a documented requirement
        raise SyncError(
            str(repo), "git is not installed (it is needed to read the repository)"
        ) from exc
    if check and done.returncode != 0:
        said = done.stderr.strip().splitlines()
        raise SyncError(str(repo), f"git {args[0]} failed: {said[-1] if said else done.returncode}")
    return done


def check_repository(repo: Path) -> None:
    """``repo`` must be the top of a git repository (or a bare one), not a folder inside one."""
    if not repo.is_dir():
        raise SyncError(str(repo), "not a folder")
    top = git(
        repo,
        "rev-parse",
        "--is-bare-repository",
        "--absolute-git-dir",
        "--show-toplevel",
        check=False,
    )
    lines = top.stdout.splitlines()
    if top.returncode != 0 or not lines:
        raise SyncError(str(repo), "not a git repository (clone a versions repository first)")
    here = repo.resolve()
    bare = lines[0] == "true"
    root = Path(lines[1] if bare else lines[-1]).resolve()
    if root != here:
        raise SyncError(
            str(repo), f"not the top of a git repository: it lies inside {root}, give that folder"
        )


def resolve(repo: Path, ref: str) -> str | None:
    """The commit id ``ref`` names, or ``None``."""
    done = git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
    return done.stdout.strip() or None if done.returncode == 0 else None


def is_ancestor(repo: Path, older: str, newer: str) -> bool:
    return git(repo, "merge-base", "--is-ancestor", older, newer, check=False).returncode == 0


def commit_time(repo: Path, commit: str) -> datetime:
    return datetime.fromisoformat(git(repo, "show", "-s", "--format=%cI", commit).stdout.strip())


def remote_url(repo: Path, remote: str = "origin") -> str | None:
    done = git(repo, "config", "--get", f"remote.{remote}.url", check=False)
    return done.stdout.strip() or None


def _parse(record: bytes) -> Commit:
    fields = record.split(b"\x00")
    commit_id, parents, date, message = (f.decode("utf-8", "replace") for f in fields[:4])
    changes = []
    rest = fields[4:]
    for meta, path in zip(rest[0::2], rest[1::2], strict=False):
        parts = meta.decode("ascii", "replace").strip().split()
        if len(parts) == 5 and parts[0].startswith(":"):
            changes.append(Change(parts[4][:1], path.decode("utf-8", "surrogateescape"), parts[3]))
    return Commit(
        commit_id,
        tuple(parents.split()),
        datetime.fromisoformat(date),
        message.strip(),
        tuple(changes),
    )


def commits(repo: Path, revisions: Sequence[str]) -> Iterator[Commit]:
    """The commits ``revisions`` (``git log`` syntax, e.g. ``["A..B"]``), oldest first."""
    args = [
        "git",
        "-C",
        str(repo),
        "log",
        "--reverse",
        "--date-order",
        "--no-renames",
        "--raw",
        "--no-abbrev",
        "-z",
        _FORMAT,
        *revisions,
        "--",
    ]
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        assert proc.stdout is not None
        pending = b""
        while chunk := proc.stdout.read(_CHUNK):
            pending += chunk
            *done, pending = pending.split(_MARK)
            yield from (_parse(r) for r in done if r)
        if pending:
            yield _parse(pending)
        error = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
        if proc.wait() != 0:
            raise SyncError(str(repo), f"git log failed: {error.strip()}")


class Blobs:
    """``git cat-file --batch`` as a context manager: ``read(blob_id, limit)``."""

    def __init__(self, repo: Path) -> None:
        self.repo = repo
        self._proc = subprocess.Popen(
            ["git", "-C", str(repo), "cat-file", "--batch"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )

    def __enter__(self) -> Blobs:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        if self._proc.stdin:
            self._proc.stdin.close()
        self._proc.wait()
        if self._proc.stdout:
            self._proc.stdout.close()

    def read(self, blob: str, limit: int) -> bytes | int:
        """The blob's bytes, or its size when it is over ``limit`` (the bytes are skipped)."""
        stdin, stdout = self._streams()
        stdin.write(blob.encode("ascii") + b"\n")
        stdin.flush()
        header = stdout.readline().split()
        if len(header) != 3:
            raise SyncError(str(self.repo), f"git cat-file: no object {blob}")
        size = int(header[2])
        if size > limit:
            left = size + 1
            while left:
                left -= len(stdout.read(min(left, _CHUNK)))
            return size
        data = stdout.read(size)
        stdout.read(1)  # the newline after each object
        return data

    def _streams(self) -> tuple[IO[bytes], IO[bytes]]:
        stdin, stdout = self._proc.stdin, self._proc.stdout
        if stdin is None or stdout is None:  # pragma: no cover - opened with both pipes
            raise SyncError(str(self.repo), "git cat-file is not running")
        return stdin, stdout
