"""The read-only JSON API under ``/api/v1`` (``clauselens serve``): see ``openapi.py`` for its
routes and ``_http.py`` for paging, ETags and errors. Access is the page's: loopback by
default; beyond it, the access token (``Authorization: Bearer``, or the login cookie)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route

from clauselens.web.api import handlers
from clauselens.web.api._http import error_response, json_response
from clauselens.web.api.openapi import PREFIX, openapi_document


async def openapi_json(request: Request) -> Response:
    return json_response(request, openapi_document())


async def not_found(request: Request) -> Response:
    return error_response(404, f"no API route {request.url.path[:80]}")


def api_mount() -> Mount:
    """The API's routes, mounted at ``/api/v1``."""
    return Mount(
        PREFIX,
        routes=[
            Route("/openapi.json", openapi_json),
            Route("/documents", handlers.documents),
            Route("/documents/{document_id}", handlers.document),
            Route("/documents/{document_id}/versions", handlers.versions),
            Route("/records", handlers.records),
            Route("/records/{record_id}", handlers.record),
            Route("/records/{record_id}/similar", handlers.similar),
            Route("/changes", handlers.changes),
            Route("/unique", handlers.unique),
            Route("/review/counts", handlers.review_counts),
            Route("/{rest:path}", not_found),
        ],
    )
