"""Sync: every version recorded in an Open Terms Archive versions repository, into the store.

``sync(engine, repo, settings, options)`` walks the repository's commits oldest first
(``gitlog``) and ingests each ``<Service>/<Terms type>.md`` a commit adds or modifies through the
ordinary ingest path (``captures.ingest_one``: one transaction per capture, segmented and
aligned), as a ``CaptureMeta`` like a manifest row's: entity from the folder, terms type and
title from the file name, ``captured_at`` the commit date, ``archive_url`` the file at that commit
in the collection's public repository (from the ``origin`` remote, when it is on GitHub), and in
``provenance`` the repository, commit, path, kind of record, snapshot links, engine version and,
with a declarations folder, the pages declared at that date (the first is ``source_url``).

Incremental: the last commit synced is remembered per repository and scope (``state``); the next
sync reads only the commits after it, and returns at once when there are none. A remembered
commit that is no longer an ancestor of the head (a force-push) stops the sync before anything is
stored (``HistoryRewrittenError``); ``since`` chooses where to start instead (a commit, or an ISO
date: the commits recorded from then on). Captures already stored (same document, content and
time) are recognised by ingest and not stored twice.

A version that cannot be ingested (not valid UTF-8, over the capture limit) is reported and
skipped; the others go in. Fatal problems (not a git repository, no commit, no version at all, a
rewritten history, a bad ``since``) raise before anything is stored.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from clauselens.config import Settings
from clauselens.errors import HistoryRewrittenError, ManifestError, SyncError, UsageError
from clauselens.pipeline.ingest.archive import github_blob_url
from clauselens.pipeline.ingest.captures import IngestReport, ingest_one
from clauselens.pipeline.ingest.files import limit_text
from clauselens.pipeline.ingest.manifest import CaptureMeta, parse_time
from clauselens.pipeline.ingest.ota import gitlog
from clauselens.pipeline.ingest.ota.declarations import Declarations, read_declarations
from clauselens.pipeline.ingest.ota.records import RecordKind, document_of, record_kind
from clauselens.pipeline.ingest.ota.state import load_state, save_state, scope_key
from clauselens.pipeline.ingest.outcome import CaptureOutcome
from clauselens.pipeline.ingest.progress import IngestProgress, installed
from clauselens.store.locks import write_transaction

#: Save the commit reached every so many commits, so that an interrupted sync resumes near it.
SAVE_EVERY = 200


@dataclass(frozen=True)
class SyncOptions:
    since: str | None = None  # a commit or an ISO 8601 date; None: after the remembered commit
    services: tuple[str, ...] = ()
    terms_types: tuple[str, ...] = ()
    declarations: Path | None = None
    ref: str = "HEAD"  # what to sync up to (``watch`` syncs the fetched upstream)


@dataclass
class SyncReport:
    """What a sync read and stored. Counts and failures only: flat in the number of commits."""

    repository: str
    head: str
    start: str | None = None  # the commit synced after; None: from the first commit
    commits: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    technical: int = 0  # new versions recorded as technical upgrades
    untracked: list[str] = field(default_factory=list)  # documents deleted from the repository
    failed: list[CaptureOutcome] = field(default_factory=list)
    versions: list[int] = field(default_factory=list)  # every version the sync touched
    new_versions: list[int] = field(default_factory=list)
    archive_urls: bool = True  # False: the remote is not on GitHub, archive URLs left empty
    declaration_problems: list[str] = field(default_factory=list)

    @property
    def nothing_new(self) -> bool:
        return self.commits == 0

    def ingest_report(self) -> IngestReport:
        """The versions that arrived as an ``IngestReport``, for a run to go on with."""
        new = set(self.new_versions)
        kept = [
            CaptureOutcome(
                self.repository, "new_version" if pk in new else "unchanged", "", None, pk
            )
            for pk in self.versions
        ]
        return IngestReport(outcomes=[*kept, *self.failed])


def _since(repo: Path, since: str) -> tuple[str | None, datetime | None]:
    """``--since``: a commit (sync the commits after it) or a date (the commits from then on)."""
    commit = gitlog.resolve(repo, since)
    if commit is not None:
        return commit, None
    try:
        return None, parse_time(since, "--since")
    except ManifestError as exc:
        raise UsageError(
            f"--since {since!r} is neither a commit of {repo} nor an ISO 8601 date"
        ) from exc


def _revisions(
    engine: sa.Engine, repo: Path, key: str, scope: str, head: str, options: SyncOptions
) -> tuple[list[str] | None, str | None, datetime | None]:
    """What to read: ``git log`` revisions (None: nothing new), the start commit, a date floor."""
    if options.since:
        commit, floor = _since(repo, options.since)
        return ([f"{commit}..{head}"] if commit else [head]), commit, floor
    with engine.connect() as conn:
        remembered = load_state(conn, key, scope)
    if remembered is None:
        return [head], None, None
    last = remembered.last_commit
    if last == head or gitlog.is_ancestor(repo, head, last):
        return None, last, None  # nothing new (or the head is behind what was synced)
    if not gitlog.is_ancestor(repo, last, head):
        raise HistoryRewrittenError(str(repo), last, head)
    return [f"{last}..{head}"], last, None


@dataclass(frozen=True)
class _Found:
    """One document file a commit added or modified."""

    commit: gitlog.Commit
    kind: RecordKind
    path: str
    blob: str
    service: str
    terms_type: str


def _documents(
    commits: Iterator[gitlog.Commit],
    options: SyncOptions,
    floor: datetime | None,
    report: SyncReport,
    on_commit: Callable[[gitlog.Commit], None],
) -> Iterator[_Found]:
    for commit in commits:
        if floor is not None and commit.committed_at < floor:
            continue
        report.commits += 1
        kind = record_kind(commit.message)
        for change in commit.changes:
            named = document_of(change.path)
            if named is None:
                continue
            service, terms_type = named
            if options.services and service not in options.services:
                continue
            if options.terms_types and terms_type not in options.terms_types:
                continue
            if change.status == "D":
                report.untracked.append(f"{change.path} (deleted at {commit.id[:12]})")
                continue
            yield _Found(commit, kind, change.path, change.blob, service, terms_type)
        on_commit(commit)


def _meta(
    repo: Path, remote: str | None, found: _Found, declarations: Declarations | None
) -> CaptureMeta:
    commit = found.commit
    urls = (
        declarations.urls_at(found.service, found.terms_type, commit.committed_at)
        if declarations is not None
        else ()
    )
    provenance = {
        "repository": remote or str(repo),
        "commit": commit.id,
        "path": found.path,
        "record": found.kind.kind,
        "snapshots": list(found.kind.snapshots),
        "engine_version": found.kind.engine_version,
        "declared_urls": list(urls),
    }
    return CaptureMeta(
        path=repo / found.path,
        entity=found.service,
        title=found.terms_type,
        terms_type=found.terms_type,
        captured_at=commit.committed_at,
        source_url=urls[0] if urls else None,
        archive_url=github_blob_url(remote, commit.id, found.path),
        source="sync",
        captured_at_source="commit",
        provenance=provenance,
        change_reason=found.kind.change_reason,
    )


def _tally(report: SyncReport, found: _Found, outcome: CaptureOutcome) -> None:
    report.outcomes[outcome.outcome] += 1
    if outcome.outcome == "failed":
        outcome.path = f"{found.path} at {found.commit.id[:12]}"
        report.failed.append(outcome)
        return
    if outcome.version_pk is not None:
        report.versions.append(outcome.version_pk)
        if outcome.outcome == "new_version":
            report.new_versions.append(outcome.version_pk)
            report.technical += found.kind.kind == "technical"


def sync(
    engine: sa.Engine,
    repo: Path,
    settings: Settings,
    options: SyncOptions | None = None,
    progress: IngestProgress | None = None,
) -> SyncReport:
    """Ingest the versions recorded in ``repo`` since the last sync; see the module docstring."""
    options = options or SyncOptions()
    gitlog.check_repository(repo)
    head = gitlog.resolve(repo, options.ref)
    if head is None:
        raise SyncError(str(repo), f"no commit at {options.ref}: the repository is empty")
    declarations = read_declarations(options.declarations) if options.declarations else None
    key, scope = str(repo.resolve()), scope_key(options.services, options.terms_types)
    revisions, start, floor = _revisions(engine, repo, key, scope, head, options)
    remote = gitlog.remote_url(repo)
    report = SyncReport(
        str(repo), head, start, archive_urls=github_blob_url(remote, head, "x") is not None
    )
    if declarations is not None:
        report.declaration_problems = declarations.problems
    if revisions is None:
        return report

    def save(commit: str, at: datetime) -> None:
        with write_transaction(engine) as conn:
            save_state(conn, key, scope, remote, commit, at)

    def on_commit(commit: gitlog.Commit) -> None:
        if stored and report.commits % SAVE_EVERY == 0:
            save(commit.id, commit.committed_at)

    progress = progress or installed()
    stored = False
    with gitlog.Blobs(repo) as blobs:
        found_any = False
        for found in _documents(gitlog.commits(repo, revisions), options, floor, report, on_commit):
            found_any = True
            outcome = _ingest(engine, repo, remote, found, declarations, blobs, settings, progress)
            stored = stored or outcome.outcome != "failed"
            _tally(report, found, outcome)
    if not found_any and start is None:
        _no_versions(repo, options)
    save(head, gitlog.commit_time(repo, head))
    return report


def _ingest(
    engine: sa.Engine,
    repo: Path,
    remote: str | None,
    found: _Found,
    declarations: Declarations | None,
    blobs: gitlog.Blobs,
    settings: Settings,
    progress: IngestProgress | None,
) -> CaptureOutcome:
    meta = _meta(repo, remote, found, declarations)
    raw = blobs.read(found.blob, settings.max_capture_bytes)
    if isinstance(raw, int):
        reason = f"{raw:,} bytes, over {limit_text(settings.max_capture_bytes)}"
        return CaptureOutcome(str(meta.path), "failed", reason)
    return ingest_one(engine, meta, settings, progress, raw)


def _no_versions(repo: Path, options: SyncOptions) -> None:
    filters = [*(f"--service {s!r}" for s in options.services)]
    filters += [f"--terms-type {x!r}" for x in options.terms_types]
    if options.since:
        filters.append(f"--since {options.since!r}")
    if filters:
        raise SyncError(str(repo), f"no version matches {' '.join(filters)}; nothing stored")
    raise SyncError(
        str(repo),
        "no versions in this repository (expected <Service>/<Terms type>.md files, as in an "
        "Open Terms Archive versions repository); nothing stored",
    )


def summary_line(report: SyncReport) -> str:
    """One line: what a sync read and stored."""
    n = report.outcomes
    if report.nothing_new:
        return f"{report.repository}: nothing new (at {report.head[:12]})"
    technical = f" ({report.technical} technical upgrade(s))" if report.technical else ""
    return (
        f"{report.repository}: {report.commits} commit(s) read, "
        f"{n['new_version']} new version(s){technical}, {n['unchanged']} unchanged, "
        f"{n['already_ingested']} already ingested, {n['failed']} failed; at {report.head[:12]}"
    )


def counts(report: SyncReport) -> dict[str, object]:
    """The report as plain data (``--json``)."""
    return {
        "repository": report.repository,
        "head": report.head,
        "start": report.start,
        "commits": report.commits,
        "new_versions": report.outcomes["new_version"],
        "technical_upgrades": report.technical,
        "unchanged": report.outcomes["unchanged"],
        "already_ingested": report.outcomes["already_ingested"],
        "failed": [{"version": o.path, "reason": o.message} for o in report.failed],
        "untracked": report.untracked,
        "archive_urls": report.archive_urls,
        "declaration_problems": report.declaration_problems,
    }
