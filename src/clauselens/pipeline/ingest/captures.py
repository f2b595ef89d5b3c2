"""Ingest: captures (files, folders, manifests) → documents, captures, versions and clauses.

Each capture goes in its own transaction: a bad file is reported and skipped, the others go in,
and a failure half-way leaves the store as it was. Raw bytes are kept content-addressed in
``blobs``. A capture whose extracted text equals the version in force at its ``captured_at`` adds
no version and only moves the document's ``last_verified``; versions are ordered by
``captured_at`` whatever order the files arrive in. A new version is segmented (and its clauses
aligned with the version before it) inside the same transaction. Each capture's steps are
reported to an ``IngestProgress`` when one is given or installed (``progress``).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from clauselens.config import Settings
from clauselens.errors import CaptureError, ClauselensError, ManifestError, StoreError
from clauselens.pipeline.ingest.cutoff import looks_cut_off
from clauselens.pipeline.ingest.extract import Extracted, extract
from clauselens.pipeline.ingest.files import read_bounded
from clauselens.pipeline.ingest.manifest import CaptureMeta, discover
from clauselens.pipeline.ingest.outcome import CaptureOutcome, Outcome
from clauselens.pipeline.ingest.progress import IngestProgress, Step, installed
from clauselens.pipeline.segment.clauses import SEGMENTER_VERSION, segment
from clauselens.pipeline.versions import align
from clauselens.schemas.rows import Version
from clauselens.store import insert_pk
from clauselens.store import tables as t
from clauselens.store.locks import write_transaction
from clauselens.store.placement import supersede_for_version
from clauselens.store.queries import (
    all_documents,
    document_by_id,
    first_version_after,
    latest_capture,
    latest_version,
    version_in_force,
    version_text,
)
from clauselens.textnorm import sha256_hex

log = logging.getLogger(__name__)


@dataclass
class IngestReport:
    outcomes: list[CaptureOutcome] = field(default_factory=list)

    def count(self, outcome: Outcome) -> int:
        return sum(1 for o in self.outcomes if o.outcome == outcome)

    @property
    def failed(self) -> list[CaptureOutcome]:
        return [o for o in self.outcomes if o.outcome == "failed"]

    @property
    def new_versions(self) -> list[int]:
        return [o.version_pk for o in self.outcomes if o.version_pk and o.outcome == "new_version"]

    @property
    def versions(self) -> list[int]:
        """Every version the captures named (new, unchanged or already ingested)."""
        return sorted({o.version_pk for o in self.outcomes if o.version_pk})


@dataclass
class _Steps:
    """Tells the progress, if any, which step one capture has reached."""

    progress: IngestProgress | None
    path: str
    size: int | None = None

    def __call__(self, step: Step) -> None:
        if self.progress is not None:
            self.progress.step(self.path, step, self.size)

    def done(self, outcome: CaptureOutcome) -> CaptureOutcome:
        if self.progress is not None:
            self.progress.done(outcome)
        return outcome


class DocumentRow(BaseModel):
    document_id: str
    entity: str
    title: str
    terms_type: str
    versions: int
    captures: int
    first_tracked: datetime
    last_verified: datetime
    latest_content_sha256: str


def document_id_for(entity: str, title: str) -> str:
    """Stable document id: the same entity and title give the same id on every machine."""
    key = f"{entity.strip().casefold()}\x1f{title.strip().casefold()}".encode()
    return "CL-D-" + hashlib.sha256(key).hexdigest()[:8]


def read_capture(path: Path, settings: Settings) -> tuple[bytes, Extracted]:
    """Read one regular file within the capture limit (``files.read_bounded``), and extract it
    within the extraction bounds (``Settings.extract``)."""
    raw = read_bounded(path, settings.max_capture_bytes)
    return raw, extract(raw, str(path), settings.extract)


def ingest(
    engine: sa.Engine,
    paths: Iterable[Path],
    settings: Settings,
    options: Mapping[str, Any] | None = None,
    progress: IngestProgress | None = None,
) -> IngestReport:
    """Ingest every capture named by ``paths``; bad captures are reported, not fatal. Steps go
    to ``progress``, else to the one installed with ``progress.reporting``."""
    report = IngestReport()
    progress = progress or installed()
    for entry in discover(list(paths), options or {}, settings.allow_roots):
        if isinstance(entry, ManifestError):
            where = f"line {entry.line}: " if entry.line else ""
            failed = CaptureOutcome(entry.path, "failed", where + entry.reason)
            report.outcomes.append(_Steps(progress, entry.path).done(failed))
            continue
        if isinstance(entry, CaptureError):
            log.info("skipped %s", entry)  # the outcome carries it: a warning would say it twice
            failed = CaptureOutcome(entry.path, "failed", entry.reason)
            report.outcomes.append(_Steps(progress, entry.path).done(failed))
            continue
        report.outcomes.append(ingest_one(engine, entry, settings, progress))
    return report


def ingest_one(
    engine: sa.Engine,
    meta: CaptureMeta,
    settings: Settings,
    progress: IngestProgress | None = None,
    raw: bytes | None = None,
) -> CaptureOutcome:
    """One capture in one transaction. Capture problems are an outcome; store errors raise.
    ``raw``: the capture's bytes when they do not come from ``meta.path`` (a git blob)."""
    steps = _Steps(progress, str(meta.path))
    return steps.done(_ingest_one(engine, meta, settings, steps, raw))


def _ingest_one(
    engine: sa.Engine, meta: CaptureMeta, settings: Settings, steps: _Steps, raw: bytes | None
) -> CaptureOutcome:
    try:
        steps("reading")
        if raw is None:
            raw = read_bounded(meta.path, settings.max_capture_bytes)
        steps.size = len(raw)
        steps("extracting")
        extracted = extract(raw, str(meta.path), settings.extract)
        # The store's write lock from the start: two runs ingesting one capture at once must not
        # both find it new and both insert it (the second waits, then finds it ingested).
        with write_transaction(engine) as conn:
            return _record(conn, meta, raw, extracted, settings, steps)
    except CaptureError as exc:
        log.info("skipped %s", exc)  # the outcome carries it: a warning would say it twice
        return CaptureOutcome(str(meta.path), "failed", exc.reason)
    except ClauselensError as exc:
        return CaptureOutcome(str(meta.path), "failed", str(exc))
    except SQLAlchemyError as exc:
        raise StoreError(f"store error while ingesting {meta.path}: {exc}") from exc


def _document(conn: sa.Connection, meta: CaptureMeta) -> tuple[int, str]:
    doc_id = document_id_for(meta.entity, meta.title)
    known = document_by_id(conn, doc_id)
    if known is not None:
        return known.pk, doc_id
    pk = insert_pk(
        conn,
        t.documents.insert().values(
            document_id=doc_id,
            entity=meta.entity,
            title=meta.title,
            terms_type=meta.terms_type,
            first_tracked=meta.captured_at,
            last_verified=meta.captured_at,
        ),
    )
    return pk, doc_id


def _store_blob(conn: sa.Connection, digest: str, raw: bytes) -> None:
    exists = conn.execute(sa.select(t.blobs.c.sha256).where(t.blobs.c.sha256 == digest)).first()
    if exists is None:
        conn.execute(t.blobs.insert().values(sha256=digest, size=len(raw), data=raw))


def _record(
    conn: sa.Connection,
    meta: CaptureMeta,
    raw: bytes,
    extracted: Extracted,
    settings: Settings,
    steps: _Steps,
) -> CaptureOutcome:
    doc_pk, doc_id = _document(conn, meta)
    digest = sha256_hex(raw)
    text_sha = sha256_hex(extracted.text.encode("utf-8"))
    seen = conn.execute(
        sa.select(t.captures.c.id, t.captures.c.version_pk).where(
            t.captures.c.document_pk == doc_pk,
            t.captures.c.content_sha256 == digest,
            t.captures.c.captured_at == meta.captured_at,
        )
    ).first()
    if seen is not None:
        return CaptureOutcome(str(meta.path), "already_ingested", "", doc_id, seen.version_pk)
    _store_blob(conn, digest, raw)
    capture_pk = insert_pk(
        conn,
        t.captures.insert().values(
            document_pk=doc_pk,
            content_sha256=digest,
            format=extracted.format,
            captured_at=meta.captured_at,
            source_url=meta.source_url,
            archive_url=meta.archive_url,
            source_path=str(meta.path),
            metadata_source=meta.source,
            captured_at_source=meta.captured_at_source,
            text_sha256=text_sha,
            ingested_at=datetime.now(UTC),
            provenance=dict(meta.provenance) if meta.provenance is not None else None,
            change_reason=meta.change_reason,
        ),
    )
    version_pk, is_new = _place_version(
        conn, doc_pk, capture_pk, meta, extracted, text_sha, settings, steps
    )
    conn.execute(
        t.captures.update().where(t.captures.c.id == capture_pk).values(version_pk=version_pk)
    )
    _refresh_dates(conn, doc_pk)
    outcome: Outcome = "new_version" if is_new else "unchanged"
    return CaptureOutcome(str(meta.path), outcome, "", doc_id, version_pk)


def _place_version(
    conn: sa.Connection,
    doc_pk: int,
    capture_pk: int,
    meta: CaptureMeta,
    extracted: Extracted,
    text_sha: str,
    settings: Settings,
    steps: _Steps,
) -> tuple[int, bool]:
    before: Version | None = version_in_force(conn, doc_pk, meta.captured_at)
    after: Version | None = first_version_after(conn, doc_pk, meta.captured_at)
    if before is not None and before.text_sha256 == text_sha:
        return before.pk, False
    if after is not None and after.text_sha256 == text_sha:
        # The same text was already known from a later capture: it was in force earlier.
        conn.execute(
            t.versions.update()
            .where(t.versions.c.id == after.pk)
            .values(captured_at=meta.captured_at, capture_pk=capture_pk)
        )
        return after.pk, False
    previous_text = version_text(conn, before.pk) if before is not None else None
    cut, reason = looks_cut_off(extracted.text, previous_text)
    version_pk = _insert_version(
        conn,
        document_pk=doc_pk,
        capture_pk=capture_pk,
        captured_at=meta.captured_at,
        text=extracted.text,
        text_sha256=text_sha,
        extractor=extracted.extractor,
        looks_cut_off=cut,
        cut_off_reason=reason,
    )
    steps("segmenting")
    _store_clauses(conn, version_pk, extracted.text, settings)
    returned = _text_returned(conn, before, meta.captured_at, settings) if before else None
    steps("aligning")
    align.align_version(conn, version_pk, settings.align)
    for later in (returned, after.pk if after is not None else None):
        if later is not None:  # arrived late: what follows is re-aligned to it
            align.align_version(conn, later, settings.align)
    for placed in (version_pk, returned):
        if placed is not None:  # analyses of the text it replaced sink
            supersede_for_version(conn, placed, doc_pk)
    return version_pk, True


def _insert_version(conn: sa.Connection, **values: Any) -> int:
    """A new version row (segmented by this segmenter, not yet aligned): its pk."""
    row = {**values, "segmented_with": SEGMENTER_VERSION, "aligned": False}
    return int(insert_pk(conn, t.versions.insert().values(**row)))


def _text_returned(
    conn: sa.Connection, before: Version, at: datetime, settings: Settings
) -> int | None:
    """A capture arriving late, at ``at``, inside the captures of ``before`` with other text: the
    captures of ``before`` after ``at`` saw its text again, so they become a version of their
    own (same text, from the first of them), and the late text is in force only in between.
    Returns the new version's pk, or None when no capture of ``before`` is later than ``at``."""
    c = t.captures.c
    first = conn.execute(
        sa.select(c.id, c.captured_at)
        .where(c.version_pk == before.pk, c.captured_at > at)
        .order_by(c.captured_at, c.id)
        .limit(1)
    ).first()
    if first is None:
        return None
    text = version_text(conn, before.pk)
    version_pk = _insert_version(
        conn,
        document_pk=before.document_pk,
        capture_pk=first.id,
        captured_at=first.captured_at,
        text=text,
        text_sha256=before.text_sha256,
        extractor=before.extractor,
        looks_cut_off=before.looks_cut_off,
        cut_off_reason=before.cut_off_reason,
    )
    conn.execute(
        t.captures.update()
        .where(c.version_pk == before.pk, c.captured_at >= first.captured_at)
        .values(version_pk=version_pk)
    )
    _store_clauses(conn, version_pk, text, settings)
    return version_pk


def _store_clauses(conn: sa.Connection, version_pk: int, text: str, settings: Settings) -> None:
    rows = [
        {
            "version_pk": version_pk,
            "idx": c.index,
            "heading_path": list(c.heading_path),
            "text": c.text,
            "start": c.start,
            "end": c.end,
            "clause_sha256": c.clause_sha256,
            "truncated": c.truncated,
            "truncation_reason": c.truncation_reason,
        }
        for c in segment(text, settings.segment)
    ]
    if rows:
        conn.execute(t.clauses.insert(), rows)


def _refresh_dates(conn: sa.Connection, doc_pk: int) -> None:
    """first_tracked: the earliest capture; last_verified: the latest capture of the latest
    version (the last time a capture confirmed the text now in force)."""
    c = t.captures
    first = conn.execute(sa.select(sa.func.min(c.c.captured_at)).where(c.c.document_pk == doc_pk))
    first_at, last_at = first.scalar_one(), None
    latest = latest_version(conn, doc_pk)
    if latest is not None:
        last = sa.select(sa.func.max(c.c.captured_at)).where(c.c.version_pk == latest.pk)
        last_at = conn.execute(last).scalar_one()
    conn.execute(
        t.documents.update()
        .where(t.documents.c.id == doc_pk)
        .values(first_tracked=first_at, last_verified=last_at or first_at)
    )


def list_documents(engine: sa.Engine) -> list[DocumentRow]:
    """Every tracked document with its counts, dates and latest content hash."""
    v, c = t.versions, t.captures
    with engine.connect() as conn:
        out = []
        for doc in all_documents(conn):
            n_versions = conn.execute(
                sa.select(sa.func.count()).where(v.c.document_pk == doc.pk)
            ).scalar_one()
            n_captures = conn.execute(
                sa.select(sa.func.count()).where(c.c.document_pk == doc.pk)
            ).scalar_one()
            latest = latest_capture(conn, doc.pk)
            if latest is None:  # pragma: no cover - a document is created with its capture
                continue
            out.append(
                DocumentRow(
                    document_id=doc.document_id,
                    entity=doc.entity,
                    title=doc.title,
                    terms_type=doc.terms_type,
                    versions=n_versions,
                    captures=n_captures,
                    first_tracked=doc.first_tracked,
                    last_verified=doc.last_verified,
                    latest_content_sha256=latest.content_sha256,
                )
            )
    return out
