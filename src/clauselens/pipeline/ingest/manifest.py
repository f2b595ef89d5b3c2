"""Capture metadata: from manifests (JSONL or CSV), command-line options, or the path.

A manifest row names a file and its document: ``entity`` (or ``service``), ``title`` (or
``terms_type``/``document``), ``terms_type``, ``captured_at``, ``source_url``, ``archive_url``.
Open Terms Archive's manifest works as it is (``service`` → entity, ``terms_type`` → title;
without ``archive_url``, ``source_repo``/``commit``/``path_in_repo`` give one: ``archive.py``).
Files named in a manifest are looked up against the manifest's folder, then its parents (a manifest
written for a repository's root), then by name beside it; the file found must resolve, symbolic
links followed, inside the manifest's folder or an allowed root (``Settings.allow_roots``), so a row
naming ``../../etc/passwd`` or ``/etc/passwd`` is refused with the reason. A folder walked without
a manifest holds only the files that resolve inside it (or an allowed root) the same way.

``captured_at`` comes from the manifest, from ``--captured-at``, from a history file name
(``v3_2024-01-02T10-00-00_x.md``), or failing all three from the file's modification time; which
one is kept with the capture (``captured_at_source``), and the last is announced with a warning.
"""

from __future__ import annotations

import csv
import json
import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from clauselens.errors import CaptureError, ManifestError
from clauselens.pipeline.ingest.archive import github_blob_url
from clauselens.pipeline.ingest.files import inside, outside_reason

log = logging.getLogger(__name__)

CAPTURE_SUFFIXES = (".md", ".markdown", ".txt", ".text", ".html", ".htm", ".pdf")
MANIFEST_NAMES = ("manifest.jsonl", "manifest.csv")
_HISTORY_NAME = re.compile(r"^v\d+_(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})")
_SMALL_WORDS = {"of", "and", "for", "the", "to", "in", "on", "a", "an", "or"}
_ACRONYMS = {"ai": "AI", "api": "API", "eu": "EU", "us": "US", "uk": "UK", "faq": "FAQ"}


# Where a capture's ``captured_at`` comes from (module docstring).
# ``commit``: the commit date of a version synced from a git repository (``ota.sync``).
CapturedAtSource = Literal["manifest", "option", "file_name", "file_mtime", "commit"]


@dataclass(frozen=True)
class CaptureMeta:
    """What is known about one capture before it is read."""

    path: Path
    entity: str
    title: str
    terms_type: str
    captured_at: datetime
    source_url: str | None = None
    archive_url: str | None = None
    source: str = "manifest"  # manifest | options | path | sync
    captured_at_source: CapturedAtSource = "manifest"
    provenance: Mapping[str, Any] | None = None  # where a synced capture came from (ota.sync)
    change_reason: str | None = None  # why its text differs when the document did not change


def parse_time(value: str, where: str = "") -> datetime:
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ManifestError(where, 0, f"captured_at is not an ISO 8601 time: {value!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _first(row: Mapping[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = row.get(key)
        if value not in (None, ""):
            return str(value)
    return None


def _row_meta(
    row: Mapping[str, Any], base: Path, where: str, line: int, roots: Sequence[Path]
) -> CaptureMeta:
    file = _first(row, "file", "path")
    entity = _first(row, "entity", "service")
    title = _first(row, "title", "terms_type", "document")
    captured = _first(row, "captured_at", "fetched_at", "date")
    missing = [n for n, v in (("file", file), ("entity", entity), ("title", title)) if not v]
    if missing or file is None or entity is None or title is None:
        raise ManifestError(where, line, f"missing {', '.join(missing)}")
    path = resolve_file(base, file, where, line, roots)
    return CaptureMeta(
        path=path,
        entity=entity,
        title=title,
        terms_type=_first(row, "terms_type") or title,
        captured_at=parse_time(captured, f"{where}:{line}") if captured else _mtime(path),
        source_url=_first(row, "source_url", "url"),
        archive_url=_first(row, "archive_url", "wayback_url")
        or github_blob_url(
            _first(row, "source_repo"), _first(row, "commit"), _first(row, "path_in_repo")
        ),
        captured_at_source="manifest" if captured else "file_mtime",
    )


def resolve_file(base: Path, file: str, where: str, line: int, roots: Sequence[Path] = ()) -> Path:
    """A manifest's file: relative to its folder or one of its parents, or beside it by name;
    the first that exists and resolves inside ``base`` or one of ``roots``."""
    candidate = Path(file)
    folders = [] if candidate.is_absolute() else [base, *list(base.parents)[:3]]
    tries = [candidate] if candidate.is_absolute() else [f / candidate for f in folders]
    found = [p for p in [*tries, base / candidate.name] if p.exists()]
    if not found:
        raise ManifestError(where, line, f"file not found next to the manifest: {file}")
    allowed = next((p for p in found if inside(p, [base, *roots])), None)
    if allowed is None:
        raise ManifestError(
            where, line, outside_reason(file, found[0], base, "the manifest's folder")
        )
    return allowed


Entry = CaptureMeta | ManifestError | CaptureError


def _rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | ManifestError]]:
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            if path.suffix.lower() == ".csv":
                yield from enumerate(csv.DictReader(fh), start=2)
                return
            for line, text in enumerate(fh, start=1):
                if not text.strip():
                    continue
                try:
                    row = json.loads(text)
                except json.JSONDecodeError as exc:
                    yield line, ManifestError(str(path), line, f"not JSON: {exc.msg}")
                    continue
                if not isinstance(row, dict):
                    row = ManifestError(str(path), line, "each line must be a JSON object")
                yield line, row
    except (OSError, UnicodeDecodeError) as exc:
        yield 0, ManifestError(str(path), 0, f"cannot read the manifest: {exc}")


def read_manifest(path: Path, roots: Sequence[Path] = ()) -> Iterator[Entry]:
    """Rows of a JSONL or CSV manifest; a bad row is yielded as a ``ManifestError`` so that the
    caller reports it and goes on with the others."""
    for line, row in _rows(path):
        if isinstance(row, ManifestError):
            yield row
            continue
        try:
            yield _row_meta(row, path.parent, str(path), line, roots)
        except ManifestError as exc:
            yield exc


def is_manifest(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in (".jsonl", ".csv")


def _mtime(path: Path) -> datetime:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
    except OSError:
        return datetime.now(UTC)


def pretty(slug: str) -> str:
    """``terms-of-service`` → ``Terms of Service``; ``claude-ai`` → ``Claude AI``."""
    words = re.split(r"[-_\s]+", slug.strip())
    out = []
    for i, word in enumerate(w for w in words if w):
        low = word.lower()
        if low in _ACRONYMS:
            out.append(_ACRONYMS[low])
        elif i and low in _SMALL_WORDS:
            out.append(low)
        else:
            out.append(word[:1].upper() + word[1:])
    return " ".join(out)


def infer_from_path(path: Path) -> CaptureMeta:
    """Guess entity, title and capture time from a path such as ``<entity>/<title>.md`` or
    ``<entity>/<title>/v3_2024-01-02T10-00-00_abc.md`` (history layout)."""
    stamp = _HISTORY_NAME.match(path.stem)
    source: CapturedAtSource = "file_name"
    if stamp:
        entity_dir, title_slug = path.parent.parent.name, path.parent.name
        day, hh, mm, ss = stamp.groups()
        captured = datetime.fromisoformat(f"{day}T{hh}:{mm}:{ss}+00:00")
    else:
        entity_dir, title_slug = path.parent.name, path.stem
        captured, source = _mtime(path), "file_mtime"
    title = pretty(title_slug) or "Document"
    return CaptureMeta(
        path=path,
        entity=pretty(entity_dir) or "Unknown",
        title=title,
        terms_type=title,
        captured_at=captured,
        source="path",
        captured_at_source=source,
    )


def apply_options(meta: CaptureMeta, options: Mapping[str, Any]) -> CaptureMeta:
    """Command-line metadata wins over what the manifest or the path said. A ``captured_at``
    still taken from the file's modification time is announced (a warning)."""
    given = {k: v for k, v in options.items() if v is not None}
    if given:
        if "captured_at" in given:
            given["captured_at_source"] = "option"
            if isinstance(given["captured_at"], str):
                given["captured_at"] = parse_time(given["captured_at"], "--captured-at")
        if "title" in given and "terms_type" not in given and meta.source == "path":
            given["terms_type"] = given["title"]
        meta = replace(meta, **given, source="options" if meta.source == "path" else meta.source)
    if meta.captured_at_source == "file_mtime":
        log.warning(
            "%s: no captured_at in a manifest or --captured-at; using the file's modification "
            "time, %s (recorded as captured_at_source file_mtime)",
            meta.path,
            meta.captured_at.isoformat(),
        )
    return meta


def _with_options(entry: Entry, options: Mapping[str, Any]) -> Entry:
    return entry if not isinstance(entry, CaptureMeta) else apply_options(entry, options)


def discover(
    paths: list[Path], options: Mapping[str, Any], roots: Sequence[Path] = ()
) -> Iterator[Entry]:
    """Every capture named by the paths: files, folders (with their manifest) and manifests.
    A file named on the command line is the user's choice; one found through a manifest or a
    folder must resolve inside it or one of ``roots``."""
    for path in paths:
        if is_manifest(path):
            for entry in read_manifest(path, roots):
                yield _with_options(entry, options)
        elif path.is_dir():
            yield from _discover_dir(path, options, roots)
        else:
            yield _single(path, options)


def _single(path: Path, options: Mapping[str, Any]) -> CaptureMeta:
    meta = apply_options(infer_from_path(path), options)
    if meta.source == "path":
        log.warning(
            "no manifest or options for %s: inferred entity %r, title %r, captured_at %s",
            path,
            meta.entity,
            meta.title,
            meta.captured_at.isoformat(),
        )
    return meta


def _discover_dir(
    folder: Path, options: Mapping[str, Any], roots: Sequence[Path]
) -> Iterator[Entry]:
    """A folder with a manifest holds the captures its manifest lists (other files, such as
    licences and READMEs, are not captures); a folder without one holds every capture file in
    it, with metadata inferred from each path (a symbolic link out of the folder is refused)."""
    manifests = [folder / n for n in MANIFEST_NAMES if (folder / n).is_file()]
    for manifest in manifests:
        for entry in read_manifest(manifest, roots):
            yield _with_options(entry, options)
    if manifests:
        return
    for path in sorted(folder.rglob("*")):
        if path.suffix.lower() not in CAPTURE_SUFFIXES or not path.exists() or path.is_dir():
            continue
        if not inside(path, [folder, *roots]):
            yield CaptureError(str(path), outside_reason(path.name, path, folder, "the folder"))
        else:  # a FIFO or device named like a capture is refused when read, with its kind
            yield _single(path, options)
