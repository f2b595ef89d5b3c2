"""Documents, their captures and their versions: which one is latest, in force, before, after.

One order rule for versions: by ``captured_at``, then by row id (two versions captured at the
same instant are ordered by arrival). "The latest version" of a document is the last in that
order; ``latest_versions()`` gives it for every document at once as a subquery to join with.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from clauselens.errors import NotFoundError, UsageError
from clauselens.schemas.rows import Capture, Document, Provision, Version
from clauselens.store import tables as t

_d, _c, _v, _p = t.documents.c, t.captures.c, t.versions.c, t.provisions.c

_DOCUMENT = (
    _d.id.label("pk"),
    _d.document_id,
    _d.entity,
    _d.title,
    _d.terms_type,
    _d.first_tracked,
    _d.last_verified,
)
_CAPTURE = (
    _c.id.label("pk"),
    _c.document_pk,
    _c.content_sha256,
    _c.format,
    _c.captured_at,
    _c.source_url,
    _c.archive_url,
    _c.source_path,
    _c.metadata_source,
    _c.captured_at_source,
    _c.text_sha256,
    _c.version_pk,
    _c.ingested_at,
)
_VERSION = (
    _v.id.label("pk"),
    _v.document_pk,
    _v.capture_pk,
    _v.captured_at,
    _v.text_sha256,
    _v.extractor,
    _v.looks_cut_off,
    _v.cut_off_reason,
    _v.segmented_with,
    _v.aligned,
)
_PROVISION = (_p.id.label("pk"), _p.provision_id, _p.document_pk, _p.first_version_pk)


def newest_first() -> tuple[sa.UnaryExpression[Any], ...]:
    """ORDER BY terms for versions, the latest first (``captured_at``, then id)."""
    return (_v.captured_at.desc(), _v.id.desc())


def oldest_first() -> tuple[sa.UnaryExpression[Any], ...]:
    """ORDER BY terms for versions, the first first (``captured_at``, then id)."""
    return (_v.captured_at.asc(), _v.id.asc())


def latest_versions() -> sa.Subquery:
    """A subquery with one row per document that has a version: ``document_pk``, ``version_pk``
    (its latest version). Join it to read "the current text" of many documents in one query."""
    ranked = sa.select(
        _v.document_pk,
        _v.id.label("version_pk"),
        sa.func.row_number()
        .over(partition_by=_v.document_pk, order_by=newest_first())
        .label("newest"),
    ).subquery("ranked_versions")
    return (
        sa.select(ranked.c.document_pk, ranked.c.version_pk)
        .where(ranked.c.newest == 1)
        .subquery("latest_versions")
    )


def _one(conn: sa.Connection, query: sa.Select[Any]) -> dict[str, Any] | None:
    row = conn.execute(query.limit(1)).first()
    return dict(row._mapping) if row is not None else None


def _version(conn: sa.Connection, query: sa.Select[Any]) -> Version | None:
    found = _one(conn, query)
    return Version.model_validate(found) if found is not None else None


# --- documents -------------------------------------------------------------------------------


def all_documents(conn: sa.Connection) -> list[Document]:
    """Every tracked document, by entity then title."""
    rows = conn.execute(sa.select(*_DOCUMENT).order_by(_d.entity, _d.title))
    return [Document.model_validate(dict(r._mapping)) for r in rows]


def document_by_pk(conn: sa.Connection, document_pk: int) -> Document:
    """The document with row id ``document_pk`` (NotFoundError when there is none)."""
    found = _one(conn, sa.select(*_DOCUMENT).where(_d.id == document_pk))
    if found is None:
        raise NotFoundError(f"no document with row id {document_pk}")
    return Document.model_validate(found)


def document_by_id(conn: sa.Connection, document_id: str) -> Document | None:
    """The document whose stable id is exactly ``document_id`` ("CL-D-..."), if tracked."""
    found = _one(conn, sa.select(*_DOCUMENT).where(_d.document_id == document_id))
    return Document.model_validate(found) if found is not None else None


def _words(text: str) -> list[str]:
    return re.findall(r"[\w.'-]+", text.casefold())


def _named_by_words(wanted: list[str], doc: Document) -> bool:
    """Every word of the query starts a word of "Entity Title", in order."""
    words = _words(f"{doc.entity} {doc.title}")
    position = 0
    for part in wanted:
        while position < len(words) and not words[position].startswith(part):
            position += 1
        if position == len(words):
            return False
        position += 1
    return True


def find_document(conn: sa.Connection, query: str) -> Document:
    """A document by id ("CL-D-..."), "Entity/Title", an id prefix, or words of its name.

    Ids match by prefix and names by word ("claude dev" is Claude.ai/Developer Terms), so a
    short query such as "de" does not match every id that happens to contain it. Raises
    NotFoundError when nothing matches and UsageError when several documents do.
    """
    docs = all_documents(conn)
    wanted = query.strip().casefold()
    words = _words(wanted.replace("/", " "))
    tests: tuple[Callable[[Document], bool], ...] = (
        lambda r: r.document_id.casefold() == wanted,
        lambda r: f"{r.entity}/{r.title}".casefold() == wanted,
        lambda r: (
            (len(wanted) >= len("CL-D-") and r.document_id.casefold().startswith(wanted))
            or (bool(words) and _named_by_words(words, r))
        ),
    )
    for test in tests:
        found = [r for r in docs if test(r)]
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            names = ", ".join(f"{r.entity}/{r.title} ({r.document_id})" for r in found[:8])
            raise UsageError(f"{query!r} names several documents: {names}")
    raise NotFoundError(f"no document matches {query!r}: see `clauselens documents`")


# --- versions --------------------------------------------------------------------------------


def version_by_pk(conn: sa.Connection, version_pk: int) -> Version:
    """The version with row id ``version_pk`` (NotFoundError when there is none)."""
    found = _version(conn, sa.select(*_VERSION).where(_v.id == version_pk))
    if found is None:
        raise NotFoundError(f"no version with row id {version_pk}")
    return found


def version_text(conn: sa.Connection, version_pk: int) -> str:
    """The extracted text of a version."""
    return str(conn.execute(sa.select(_v.text).where(_v.id == version_pk)).scalar_one())


def latest_version(conn: sa.Connection, document_pk: int) -> Version | None:
    """The document's latest version (None when it has none)."""
    query = sa.select(*_VERSION).where(_v.document_pk == document_pk).order_by(*newest_first())
    return _version(conn, query)


def versions_of(conn: sa.Connection, document_pk: int) -> list[Version]:
    """The document's versions, first to latest."""
    query = sa.select(*_VERSION).where(_v.document_pk == document_pk).order_by(*oldest_first())
    return [Version.model_validate(dict(r._mapping)) for r in conn.execute(query)]


def version_in_force(conn: sa.Connection, document_pk: int, at: datetime) -> Version | None:
    """The version in force at ``at``: the latest one captured at or before it."""
    query = (
        sa.select(*_VERSION)
        .where(_v.document_pk == document_pk, _v.captured_at <= at)
        .order_by(*newest_first())
    )
    return _version(conn, query)


def first_version_after(conn: sa.Connection, document_pk: int, at: datetime) -> Version | None:
    """The first version captured strictly after ``at``."""
    query = (
        sa.select(*_VERSION)
        .where(_v.document_pk == document_pk, _v.captured_at > at)
        .order_by(*oldest_first())
    )
    return _version(conn, query)


def _neighbour(conn: sa.Connection, version_pk: int, *, before: bool) -> Version | None:
    this = version_by_pk(conn, version_pk)
    at, pk = this.captured_at, this.pk
    if before:
        side = sa.or_(_v.captured_at < at, sa.and_(_v.captured_at == at, _v.id < pk))
    else:
        side = sa.or_(_v.captured_at > at, sa.and_(_v.captured_at == at, _v.id > pk))
    order = newest_first() if before else oldest_first()
    query = sa.select(*_VERSION).where(_v.document_pk == this.document_pk, side).order_by(*order)
    return _version(conn, query)


def previous_version(conn: sa.Connection, version_pk: int) -> Version | None:
    """The version of the same document just before ``version_pk`` (None for the first)."""
    return _neighbour(conn, version_pk, before=True)


def next_version(conn: sa.Connection, version_pk: int) -> Version | None:
    """The version of the same document just after ``version_pk`` (None for the latest)."""
    return _neighbour(conn, version_pk, before=False)


# --- captures and provisions -----------------------------------------------------------------


def latest_capture(conn: sa.Connection, document_pk: int) -> Capture | None:
    """The document's most recent capture (by ``captured_at``, then id), whatever its version."""
    query = (
        sa.select(*_CAPTURE)
        .where(_c.document_pk == document_pk)
        .order_by(_c.captured_at.desc(), _c.id.desc())
    )
    found = _one(conn, query)
    return Capture.model_validate(found) if found is not None else None


def capture_with_content(conn: sa.Connection, content_sha256: str) -> Capture | None:
    """The most recent capture (by ``captured_at``, then id) whose raw bytes have this SHA-256,
    of any document: is a file already tracked?"""
    query = (
        sa.select(*_CAPTURE)
        .where(_c.content_sha256 == content_sha256)
        .order_by(_c.captured_at.desc(), _c.id.desc())
    )
    found = _one(conn, query)
    return Capture.model_validate(found) if found is not None else None


def provisions_by_id(conn: sa.Connection, provision_ids: Sequence[str]) -> dict[str, Provision]:
    """provision id ("CL-P-...") → the provision, for the ids that exist."""
    query = sa.select(*_PROVISION).where(_p.provision_id.in_(sorted(set(provision_ids))))
    found = (Provision.model_validate(dict(r._mapping)) for r in conn.execute(query))
    return {p.provision_id: p for p in found}
