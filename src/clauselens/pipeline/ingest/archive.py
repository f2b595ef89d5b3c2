"""The archive URL of a capture taken from a Git repository at a commit.

Open Terms Archive's manifests say where each capture lives: ``source_repo`` (``owner/name``),
``commit`` and ``path_in_repo``. That is a permanent copy of the captured text, so when a
manifest row gives no ``archive_url`` of its own, the copy's page at that commit is its archive
URL: ``https://github.com/<owner>/<name>/blob/<commit>/<path>``.

Only GitHub is known: a repository given as a GitHub URL (``https://github.com/o/n``,
``git@github.com:o/n.git``) or as a bare ``owner/name`` (how Open Terms Archive, which lives on
GitHub, writes it). Any other host, a commit that is not a hex SHA, or a path that is absolute
or climbs out of the repository gives no URL: the capture keeps ``archive_url`` null rather than
a link that may point nowhere.
"""

from __future__ import annotations

import re
from urllib.parse import quote

_OWNER = r"[A-Za-z0-9-]+"  # GitHub owners: letters, digits, hyphens (so "example.org/x" is not one)
_HOST = r"(?:(?:https?://|git@|ssh://git@)?(?:www\.)?github\.com[/:])?"
_GITHUB_REPO = re.compile(rf"{_HOST}({_OWNER})/([A-Za-z0-9_.-]+?)(?:\.git)?/?")
_COMMIT = re.compile(r"[0-9a-fA-F]{7,40}")


def github_blob_url(repo: str | None, commit: str | None, path: str | None) -> str | None:
    """The page of ``path`` at ``commit`` in GitHub repository ``repo``; ``None`` when any of
    the three is missing or is not something GitHub serves."""
    if not repo or not commit or not path:
        return None
    found = _GITHUB_REPO.fullmatch(repo.strip())
    if found is None or not _COMMIT.fullmatch(commit.strip()):
        return None
    owner, name = found.groups()
    inside = path.strip()
    if "\\" in inside or any(part in ("", ".", "..") for part in inside.split("/")):
        return None  # absolute ("/x" has an empty first part), or climbing out
    where = quote(inside, safe="/")
    return f"https://github.com/{owner}/{name}/blob/{commit.strip().lower()}/{where}"
