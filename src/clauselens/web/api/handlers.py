"""The API's handlers: each reads through the library (export records, published changes,
similarity, the review backlog) or the query layer, and answers JSON (``_http``)."""

from __future__ import annotations

from datetime import datetime
from itertools import islice
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from clauselens.export import ExportFilters, iter_records, record_by_id
from clauselens.export.changes import ChangeFilters, Cursor, published_changes
from clauselens.pipeline.versions.changes import change_counts
from clauselens.review.backlog import backlog
from clauselens.schemas.export import ExportRecord
from clauselens.similarity.provisions import similar_provisions, unique_provisions
from clauselens.store.queries import all_documents, document_by_id, versions_of
from clauselens.web.api._http import (
    ApiError,
    api,
    decode_cursor,
    encode_cursor,
    json_response,
    limit_of,
)
from clauselens.web.api.models import (
    ChangePage,
    DocumentOut,
    DocumentPage,
    RecordPage,
    UniquePage,
    VersionOut,
    VersionPage,
)
from clauselens.web.feeds import change_filters
from clauselens.web.record_routes import similarity_lookup

MAX_TOP = 50


def _param(request: Request, name: str) -> str | None:
    return request.query_params.get(name) or None


def _after(request: Request, kind: type) -> Any:
    cursor = decode_cursor(request)
    if cursor is not None and not isinstance(cursor, kind):
        raise ApiError(400, "cursor is not one this API gave out")
    return cursor


def _document_out(conn: Any, doc: Any) -> DocumentOut:
    versions = versions_of(conn, doc.pk)
    return DocumentOut(
        document_id=doc.document_id,
        entity=doc.entity,
        title=doc.title,
        terms_type=doc.terms_type,
        first_tracked=doc.first_tracked,
        last_verified=doc.last_verified,
        versions=len(versions),
        latest_captured_at=versions[-1].captured_at if versions else None,
    )


@api
async def documents(request: Request) -> Response:
    """Documents by entity, title, id; ``entity`` filter; cursor: the last document's key."""
    entity, limit = _param(request, "entity"), limit_of(request)
    after = _after(request, list)
    with request.app.state.engine.connect() as conn:
        docs = sorted(
            all_documents(conn),
            key=lambda d: [d.entity.casefold(), d.title.casefold(), d.document_id],
        )
        if entity:
            docs = [d for d in docs if d.entity.casefold() == entity.casefold()]
        if after is not None:
            docs = [
                d for d in docs if [d.entity.casefold(), d.title.casefold(), d.document_id] > after
            ]
        page = docs[:limit]
        items = [_document_out(conn, d) for d in page]
    last = page[-1] if len(docs) > limit else None
    cursor = (
        encode_cursor([last.entity.casefold(), last.title.casefold(), last.document_id])
        if last
        else None
    )
    return json_response(request, DocumentPage(items=items, next_cursor=cursor))


def _document(conn: Any, request: Request) -> Any:
    document_id = str(request.path_params["document_id"])
    found = document_by_id(conn, document_id)
    if found is None:
        raise ApiError(404, f"no document {document_id[:40]}")
    return found


@api
async def document(request: Request) -> Response:
    with request.app.state.engine.connect() as conn:
        return json_response(request, _document_out(conn, _document(conn, request)))


@api
async def versions(request: Request) -> Response:
    """A document's versions, oldest first; cursor: the last version's number."""
    limit, after = limit_of(request), _after(request, int) or 0
    with request.app.state.engine.connect() as conn:
        found = versions_of(conn, _document(conn, request).pk)
        numbered = list(enumerate(found, 1))[after : after + limit]
        items = [
            VersionOut(
                number=n,
                captured_at=v.captured_at,
                text_sha256=v.text_sha256,
                extractor=v.extractor,
                looks_cut_off=v.looks_cut_off,
                cut_off_reason=v.cut_off_reason,
                changes=change_counts(conn, v.pk),
            )
            for n, v in numbered
        ]
    more = after + limit < len(found)
    cursor = encode_cursor(after + limit) if more else None
    return json_response(request, VersionPage(items=items, next_cursor=cursor))


def _record_key(record: ExportRecord) -> list[Any]:
    """A record's place in export order (``iter_records``)."""
    return [
        record.entity.casefold(),
        record.document_title.casefold(),
        record.document_id,
        record.clause_index,
    ]


@api
async def records(request: Request) -> Response:
    """Export records in export order, with the export's filters; cursor: the last record's
    place in that order."""
    filters = ExportFilters.of(
        entity=_param(request, "entity"),
        document=_param(request, "document"),
        status=_param(request, "status"),
        severity=_param(request, "severity"),
        since=_param(request, "since"),
    )
    limit, after = limit_of(request), _after(request, list)
    lookup = similarity_lookup(request)
    stream = iter_records(request.app.state.engine, filters, cross_platform=lookup)
    if after is not None:
        stream = (r for r in stream if _record_key(r) > after)
    page = list(islice(stream, limit + 1))
    more = len(page) > limit
    page = page[:limit]
    cursor = encode_cursor(_record_key(page[-1])) if more else None
    return json_response(request, RecordPage(items=page, next_cursor=cursor))


@api
async def record(request: Request) -> Response:
    record_id = str(request.path_params["record_id"])[:40]
    status = _param(request, "status") or "default"
    ExportFilters.of(status=status)  # validates it
    found = record_by_id(
        request.app.state.engine,
        record_id,
        status=status,
        cross_platform=similarity_lookup(request),
    )
    if found is None:
        raise ApiError(404, f"no published record {record_id}")
    return json_response(request, found)


@api
async def changes(request: Request) -> Response:
    """Published changes, newest first; cursor: the last change's date and id."""
    filters: ChangeFilters = change_filters(request)
    limit, after = limit_of(request), _after(request, list)
    cursor = None
    if after is not None:
        try:
            cursor = Cursor(datetime.fromisoformat(str(after[0])), int(after[1]))
        except (ValueError, IndexError, TypeError) as exc:
            raise ApiError(400, "cursor is not one this API gave out") from exc
    with request.app.state.engine.connect() as conn:
        items, following = published_changes(conn, filters, limit=limit, after=cursor)
    token = encode_cursor([following.at.isoformat(), following.pk]) if following else None
    return json_response(request, ChangePage(items=items, next_cursor=token))


@api
async def similar(request: Request) -> Response:
    record_id = str(request.path_params["record_id"])[:40]
    raw = request.query_params.get("top", "5")
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) <= MAX_TOP:
        raise ApiError(400, f"top must be a whole number from 1 to {MAX_TOP}")
    index = request.app.state.similarity.get()
    report = similar_provisions(request.app.state.engine, record_id, int(raw), index=index)
    return json_response(request, report)


@api
async def unique(request: Request) -> Response:
    """Provisions no other platform has, by entity, document, position; cursor: an offset."""
    limit, after = limit_of(request), _after(request, int) or 0
    found = unique_provisions(request.app.state.engine, _param(request, "entity"))
    items = found[after : after + limit]
    more = after + limit < len(found)
    cursor = encode_cursor(after + limit) if more else None
    return json_response(request, UniquePage(items=items, next_cursor=cursor))


@api
async def review_counts(request: Request) -> Response:
    return json_response(request, backlog(request.app.state.engine, _param(request, "entity")))
