"""``/feeds/changes.atom``: the Atom feed of published changes (``export.feed``), filtered by
the query string: ``entity``, ``document``, ``severity``, ``category``, ``class`` (repeatable;
default the substantive classes), ``since`` (ISO date or time) and ``limit`` (1-500, default
100). Entries link to the record pages of this server. Bad filters are a 400 with the reason."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from clauselens.errors import UsageError
from clauselens.export.changes import ChangeFilters
from clauselens.export.feed import FEED_LIMIT, changes_feed

MAX_LIMIT = 500
ATOM_TYPE = "application/atom+xml; charset=utf-8"


def change_filters(request: Request) -> ChangeFilters:
    """The change filters of a request's query string (raises ``UsageError``)."""
    q = request.query_params
    return ChangeFilters.of(
        entity=q.get("entity"),
        document=q.get("document"),
        severity=q.get("severity") or None,
        category=q.get("category") or None,
        change_class=q.getlist("class") or None,
        since=q.get("since") or None,
    )


def bounded_limit(raw: str | None, default: int, maximum: int) -> int:
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) <= maximum:
        raise UsageError(f"limit must be a whole number from 1 to {maximum}")
    return int(raw)


async def changes_atom(request: Request) -> Response:
    try:
        filters = change_filters(request)
        limit = bounded_limit(request.query_params.get("limit"), FEED_LIMIT, MAX_LIMIT)
    except UsageError as exc:
        return PlainTextResponse(str(exc), status_code=400)
    base = str(request.base_url).rstrip("/")
    body, _ = changes_feed(
        request.app.state.engine,
        filters,
        record_link=lambda record_id: f"{base}/records/{record_id}",
        self_link=str(request.url),
        limit=limit,
    )
    return Response(body, media_type=ATOM_TYPE)
