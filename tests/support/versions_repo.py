"""Versions repositories for the sync tests: made with ``git`` in a temporary folder.

``VersionsRepo`` writes ``<Service>/<Terms type>.md`` files and commits them with Open Terms
Archive's messages and a chosen commit date, so a test builds exactly the history it needs.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
SAMPLE_BUNDLE = FIXTURES / "ota-git" / "genai-eu-sample.bundle"
SNAPSHOT = "https://github.com/OpenTermsArchive/demo-snapshots/commit/"


def git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        ["git", "-C", str(repo), *args],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **(env or {})},
    )
    return done.stdout.strip()


def policy(*sections: str) -> str:
    """A small Markdown policy with one section per text."""
    body = [f"## Section {i}\n\n{text}\n" for i, text in enumerate(sections, start=1)]
    return "# Terms\n\n" + "\n".join(body)


class VersionsRepo:
    """A git repository laid out like an Open Terms Archive versions repository."""

    def __init__(self, path: Path, remote: str | None = None) -> None:
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        git(path, "init", "-q", "-b", "main")
        git(path, "config", "user.name", "Open Terms Archive Bot")
        git(path, "config", "user.email", "bot@opentermsarchive.org")
        git(path, "config", "commit.gpgsign", "false")
        if remote:
            git(path, "remote", "add", "origin", remote)

    def commit(
        self,
        message: str,
        at: str,
        files: dict[str, str | bytes | None],
        snapshot: str = "0" * 40,
    ) -> str:
        """Write (or delete, for ``None``) ``files`` and commit them at ISO time ``at``."""
        for name, content in files.items():
            target = self.path / name
            if content is None:
                git(self.path, "rm", "-q", "--", name)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                target.write_bytes(content)
            else:
                target.write_text(content, encoding="utf-8")
            git(self.path, "add", "--", name)
        body = f"{message}\n\nThis version was recorded after extracting from snapshot "
        body += f"{SNAPSHOT}{snapshot}\n\nX-engine-version: 14.0.0\n"
        dates = {"GIT_AUTHOR_DATE": at, "GIT_COMMITTER_DATE": at}
        git(self.path, "commit", "-q", "--allow-empty", "-m", body, env=dates)
        return git(self.path, "rev-parse", "HEAD")

    def record(self, service: str, terms_type: str, text: str | bytes, at: str, kind: str) -> str:
        """One version of ``service``'s ``terms_type`` with the message of ``kind``."""
        words = {
            "first": "First record of",
            "change": "Record new changes of",
            "technical": "Apply technical or declaration upgrade on",
        }[kind]
        return self.commit(
            f"{words} {service} {terms_type}", at, {f"{service}/{terms_type}.md": text}
        )
