"""The published record pages of ``clauselens serve``: ``/records/`` (every entity),
``/records/entity/<slug>`` (one entity's documents and records) and ``/records/CL-P-...``
(one record). Each page is rendered from the export record (``export.record_by_id``,
``export.iter_records``), with the export's default selection: everything but rejected
analyses. A record's "On other platforms" comes from the app's in-memory similarity index.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from clauselens.errors import ClauselensError
from clauselens.export import CrossPlatformLookup, ExportFilters, iter_records, record_by_id
from clauselens.similarity.provisions import index_lookup
from clauselens.store.queries import all_documents
from clauselens.web.pages import SERVER_LINKS, PageRenderer, entity_slug, group_by_entity

_MAX_ID = 40


def _renderer(request: Request) -> PageRenderer:
    renderer = getattr(request.app.state, "pages", None)
    if renderer is None:
        renderer = request.app.state.pages = PageRenderer()
    return renderer


def similarity_lookup(request: Request) -> CrossPlatformLookup:
    """record id → its ``CrossPlatform`` from the app's index (None when not comparable)."""
    try:
        index = request.app.state.similarity.get()
    except ClauselensError:
        return lambda _record_id: None
    return index_lookup(index)


async def record_page(request: Request) -> Response:
    record_id = str(request.path_params["record_id"])[:_MAX_ID]
    record = record_by_id(
        request.app.state.engine,
        record_id,
        cross_platform=similarity_lookup(request),
    )
    if record is None:
        raise HTTPException(404, f"no published record {record_id}")
    return HTMLResponse(_renderer(request).record(record, SERVER_LINKS))


async def records_home(request: Request) -> Response:
    records = iter_records(request.app.state.engine, cross_platform=False)
    entries = group_by_entity(records)
    return HTMLResponse(_renderer(request).home(entries, SERVER_LINKS))


async def entity_page(request: Request) -> Response:
    engine = request.app.state.engine
    slug = str(request.path_params["slug"])
    with engine.connect() as conn:
        names = {entity_slug(d.entity): d.entity for d in all_documents(conn)}
    entity = names.get(slug)
    if entity is None:
        raise HTTPException(404, f"no entity {slug[:_MAX_ID]}")
    records = iter_records(engine, ExportFilters.of(entity=entity), cross_platform=False)
    entries = [e for e in group_by_entity(records) if e.entity == entity]
    if not entries:
        raise HTTPException(404, f"no published record of {entity}")
    return HTMLResponse(_renderer(request).entity(entries[0], SERVER_LINKS))
