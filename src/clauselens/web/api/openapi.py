"""The OpenAPI 3.1 document of the read-only API, built from the response models themselves
(Pydantic's JSON Schemas as components), so the document cannot drift from the answers."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from clauselens import __version__
from clauselens.export._filters import STATUS_FILTERS
from clauselens.export.changes import CHANGE_CLASSES, LEVELS
from clauselens.review.backlog import Backlog
from clauselens.schemas.export import ExportRecord
from clauselens.similarity.provisions import SimilarReport
from clauselens.web.api._http import DEFAULT_LIMIT, MAX_LIMIT
from clauselens.web.api.models import (
    ChangePage,
    DocumentOut,
    DocumentPage,
    ErrorBody,
    RecordPage,
    UniquePage,
    VersionPage,
)

PREFIX = "/api/v1"
MODELS: tuple[type[BaseModel], ...] = (
    DocumentPage,
    DocumentOut,
    VersionPage,
    RecordPage,
    ExportRecord,
    ChangePage,
    SimilarReport,
    UniquePage,
    Backlog,
    ErrorBody,
)


def _query(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def _path(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "description": description,
        "schema": {"type": "string"},
    }


_LEVEL = {"type": "string", "enum": list(LEVELS)}
PAGING = [
    _query("cursor", "The next_cursor of the previous page."),
    _query(
        "limit",
        f"Items a page (default {DEFAULT_LIMIT}).",
        {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
    ),
]
ENTITY = _query("entity", "Only this entity (case-insensitive).")
DOCUMENT = _query("document", "Only this document: an id (CL-D-...) or a title.")
SINCE = _query("since", "ISO 8601 date or time.")
RECORD_ID = _path("record_id", "A record id (CL-P-...).")
DOCUMENT_ID = _path("document_id", "A document id (CL-D-...).")

# path -> (operation id, summary, parameters, response model, error statuses)
OPERATIONS: dict[str, tuple[str, str, list[dict[str, Any]], type[BaseModel], tuple[int, ...]]] = {
    "/documents": ("listDocuments", "Tracked documents.", [ENTITY, *PAGING], DocumentPage, (400,)),
    "/documents/{document_id}": (
        "getDocument",
        "One document.",
        [DOCUMENT_ID],
        DocumentOut,
        (404,),
    ),
    "/documents/{document_id}/versions": (
        "listVersions",
        "A document's versions, oldest first.",
        [DOCUMENT_ID, *PAGING],
        VersionPage,
        (400, 404),
    ),
    "/records": (
        "listRecords",
        "Export records (the export schema), in export order.",
        [
            ENTITY,
            DOCUMENT,
            _query("severity", "Only this severity.", _LEVEL),
            _query(
                "status",
                "Review-status selection (default: all but rejected).",
                {"type": "string", "enum": [s for s in STATUS_FILTERS if s != "default"]},
            ),
            _query("since", "Only records whose version, analysis or review is this recent."),
            *PAGING,
        ],
        RecordPage,
        (400,),
    ),
    "/records/{record_id}": (
        "getRecord",
        "One export record.",
        [RECORD_ID, _query("status", "Review-status selection.")],
        ExportRecord,
        (400, 404),
    ),
    "/records/{record_id}/similar": (
        "getSimilar",
        "The provisions of other platforms most like this one.",
        [
            RECORD_ID,
            _query(
                "top",
                "How many (1-50, default 5).",
                {"type": "integer", "minimum": 1, "maximum": 50},
            ),
        ],
        SimilarReport,
        (400, 404),
    ),
    "/changes": (
        "listChanges",
        "Published changes, newest first (default: added, removed, modified).",
        [
            ENTITY,
            DOCUMENT,
            _query("severity", "Only this severity.", _LEVEL),
            _query("category", "Only changes of provisions in this taxonomy category."),
            _query(
                "class",
                "Change class (repeatable).",
                {"type": "string", "enum": list(CHANGE_CLASSES)},
            ),
            SINCE,
            *PAGING,
        ],
        ChangePage,
        (400,),
    ),
    "/unique": (
        "listUnique",
        "Current provisions no other platform has.",
        [ENTITY, *PAGING],
        UniquePage,
        (400, 404),
    ),
    "/review/counts": (
        "getReviewCounts",
        "The review queue's counts and its oldest pending item.",
        [_query("entity", "Only this entity (exact name).")],
        Backlog,
        (),
    ),
}


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _operation(
    op_id: str,
    summary: str,
    params: list[dict[str, Any]],
    model: type[BaseModel],
    errors: tuple[int, ...],
) -> dict[str, Any]:
    responses: dict[str, Any] = {
        "200": {
            "description": "OK (with an ETag)",
            "headers": {"ETag": {"schema": {"type": "string"}}},
            "content": {"application/json": {"schema": _ref(model)}},
        },
        "304": {"description": "Not modified: the If-None-Match ETag is current."},
        "401": {"description": "A token is required (server bound beyond loopback)."},
    }
    for status in errors:
        responses[str(status)] = {
            "description": "Bad parameter" if status == 400 else "Not found",
            "content": {"application/json": {"schema": _ref(ErrorBody)}},
        }
    return {"operationId": op_id, "summary": summary, "parameters": params, "responses": responses}


@cache
def openapi_document() -> dict[str, Any]:
    """The API's OpenAPI 3.1 document."""
    _, defs = models_json_schema(
        [(m, "serialization") for m in MODELS], ref_template="#/components/schemas/{model}"
    )
    paths = {
        f"{PREFIX}{path}": {"get": _operation(*operation)} for path, operation in OPERATIONS.items()
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "clauselens read-only API",
            "version": __version__,
            "description": "Documents, versions, export records, changes, similar and unique "
            "provisions, and review-queue counts. Cursor pagination; ETags. On a server bound "
            "beyond loopback, send the access token as `Authorization: Bearer TOKEN`.",
        },
        "paths": paths,
        "components": {
            "schemas": defs["$defs"],
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
