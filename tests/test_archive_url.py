"""The archive URL of a capture read from a manifest that names its repository and commit."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clauselens.pipeline.ingest.archive import github_blob_url
from clauselens.pipeline.ingest.manifest import CaptureMeta, read_manifest

COMMIT = "825849237a82bae334d965497f730de34bc7fb91"
BLOB = (
    f"https://github.com/OpenTermsArchive/genai-eu-versions/blob/{COMMIT}/"
    "ChatGPT/Terms%20of%20Service.md"
)


class TestGithubBlobUrl:
    @pytest.mark.parametrize(
        "repo",
        [
            "OpenTermsArchive/genai-eu-versions",
            "https://github.com/OpenTermsArchive/genai-eu-versions",
            "https://github.com/OpenTermsArchive/genai-eu-versions.git",
            "git@github.com:OpenTermsArchive/genai-eu-versions.git",
        ],
    )
    def test_github_repositories_in_any_spelling(self, repo: str) -> None:
        """owner/name, an https URL and an ssh remote name the same page at the commit."""
        assert github_blob_url(repo, COMMIT, "ChatGPT/Terms of Service.md") == BLOB

    @pytest.mark.parametrize(
        ("repo", "commit", "path"),
        [
            ("https://gitlab.com/o/n", COMMIT, "a.md"),  # not GitHub
            ("example.org/n", COMMIT, "a.md"),  # a host, not a GitHub owner
            ("o/n", "main", "a.md"),  # a branch moves: not a permanent copy
            ("o/n", COMMIT, "../a.md"),
            ("o/n", COMMIT, "/etc/a.md"),
            ("o/n", COMMIT, ""),
            (None, COMMIT, "a.md"),
        ],
    )
    def test_no_url_when_it_cannot_be_a_permanent_github_copy(
        self, repo: str | None, commit: str, path: str
    ) -> None:
        """Anything else keeps archive_url null rather than a link that may point nowhere."""
        assert github_blob_url(repo, commit, path) is None


class TestManifest:
    def write(self, folder: Path, **extra: str) -> list[CaptureMeta]:
        (folder / "terms.md").write_text("# Terms\n\nText.\n", encoding="utf-8")
        row = {"service": "ChatGPT", "terms_type": "Terms of Service", "file": "terms.md", **extra}
        (folder / "manifest.jsonl").write_text(json.dumps(row) + "\n", encoding="utf-8")
        entries = list(read_manifest(folder / "manifest.jsonl"))
        assert all(isinstance(e, CaptureMeta) for e in entries)
        return entries  # type: ignore[return-value]

    def test_ota_row_gets_its_archive_url(self, tmp_path: Path) -> None:
        """source_repo, commit and path_in_repo (Open Terms Archive's manifest) give the URL."""
        [meta] = self.write(
            tmp_path,
            source_repo="OpenTermsArchive/genai-eu-versions",
            commit=COMMIT,
            path_in_repo="ChatGPT/Terms of Service.md",
        )
        assert meta.archive_url == BLOB

    def test_an_archive_url_given_wins(self, tmp_path: Path) -> None:
        """A row's own archive_url is kept as it is."""
        wayback = "https://web.archive.org/web/2026/https://openai.com/policies/"
        [meta] = self.write(
            tmp_path,
            archive_url=wayback,
            source_repo="OpenTermsArchive/genai-eu-versions",
            commit=COMMIT,
            path_in_repo="ChatGPT/Terms of Service.md",
        )
        assert meta.archive_url == wayback

    def test_without_repository_there_is_none(self, tmp_path: Path) -> None:
        """A row with neither stays null."""
        [meta] = self.write(tmp_path)
        assert meta.archive_url is None
