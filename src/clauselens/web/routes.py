"""The review pages: the queue, one item, its three actions and their undo, and the login form.

Every handler reads the store through ``clauselens.review`` and renders a template; every POST
goes through ``csrf.checked_form`` first. The queue shows one page (``?page=``) and says how many
there are. After an action the analyst lands on the next pending item of the same filtered
queue, so the queue can be cleared with the keyboard alone; the confirmation there offers to
undo the action (``review.revert``) for ``ServeConfig.undo_seconds`` (the script hides it) and
only while it is still the latest action on its item. The item
page's "On other platforms" panel comes from ``pipeline.similar`` with the app's in-memory index.

Two reviewers on one item: each action form carries, in ``LAST_EVENT_FIELD``, the id of the
item's latest review event the page was rendered with, and the action passes it to the library
as ``expect_event``. If someone else acted since, the action is refused (``StaleReviewError``)
with 409 and the item page as it is now, saying who did what and linking to reload it; nothing
is stored. A form without the field is a 400: the page always sends it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

import sqlalchemy as sa
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from clauselens import review
from clauselens.errors import ClauselensError, NotFoundError, ReviewError, StaleReviewError
from clauselens.review import REVIEW_STATUSES, QueueFilter, ReviewEvent
from clauselens.review.flags import load_flag_rules
from clauselens.similarity.provisions import SimilarReport, similar_for_analysis
from clauselens.store.tables import MAX_ROW_ID
from clauselens.web import forms
from clauselens.web.clause import render_clause
from clauselens.web.csrf import (
    AUTH_COOKIE,
    CSRF_FIELD,
    REVIEWER_COOKIE,
    auth_value,
    checked_form,
    csrf_token,
    requester,
    safe_next,
    token_matches,
)

DONE_MESSAGES = {
    "approved": "approved.",
    "edited": "edited.",
    "rejected": "rejected.",
    "reverted": "back to how it was before that action (undone).",
}
UNDOABLE = ("approved", "edited", "rejected")
LAST_EVENT_FIELD = "last_event"
_MAX_REVIEWER = 80
_MAX_PAGE = 1_000_000
_SMALL_INT = re.compile(r"[0-9]{1,10}")  # ASCII digits only: str.isdigit() accepts "²"


def small_int(raw: str | None, maximum: int) -> int | None:
    """``raw`` as an int in 1..``maximum``, else ``None`` (malformed, zero, too large)."""
    if raw is None or not _SMALL_INT.fullmatch(raw):
        return None
    value = int(raw)
    return value if 0 < value <= maximum else None


def _event_id(raw: object) -> int | None:
    """A submitted event id in 0..``MAX_ROW_ID`` (0: not reviewed yet), else ``None``."""
    if not isinstance(raw, str) or not _SMALL_INT.fullmatch(raw):
        return None
    value = int(raw)
    return value if value <= MAX_ROW_ID else None


def _path_pk(request: Request) -> int:
    """The analysis id of the path; 404 for anything that cannot be one (never a 500)."""
    raw = request.path_params["pk"]
    pk = small_int(raw, MAX_ROW_ID)
    if pk is None:
        raise HTTPException(404, f"no analysis with id {raw[:40]}")
    return pk


def pretty(value: Any) -> str:
    """A JSON value as compact readable text (for provenance and history)."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def web_url(value: str | None) -> str | None:
    """``value`` when it is an http(s) URL a page may link to, else ``None`` (a manifest could
    give ``javascript:``: such a value is shown as text, never as a link)."""
    if not value:
        return None
    scheme = urlsplit(value.strip()).scheme.lower()
    return value.strip() if scheme in ("http", "https") else None


def _filters(request: Request) -> QueueFilter:
    q = request.query_params
    severity = q.get("severity") if q.get("severity") in forms.LEVELS else None
    status = q.get("status", "pending")
    return QueueFilter(
        flag=q.get("flag") or None,
        entity=q.get("entity") or None,
        severity=severity,
        status=status if status in REVIEW_STATUSES else None,
    )


def _qs(filters: QueueFilter) -> str:
    values = {
        "flag": filters.flag or "",
        "entity": filters.entity or "",
        "severity": filters.severity or "",
        "status": filters.status or "any",
    }
    return urlencode({k: v for k, v in values.items() if v})


def _reviewer(request: Request) -> str:
    config = request.app.state.config
    chosen = request.cookies.get(REVIEWER_COOKIE, "").strip() if config.token else ""
    return chosen[:_MAX_REVIEWER] or str(config.reviewer)


def _render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    template = request.app.state.templates.get_template(name)
    html = template.render(
        csrf_field=CSRF_FIELD,
        csrf_token=csrf_token(request),
        reviewer=_reviewer(request),
        undo_seconds=request.app.state.config.undo_seconds,
        **context,
    )
    return HTMLResponse(html, status_code=status)


def _page_number(request: Request) -> int:
    return small_int(request.query_params.get("page"), _MAX_PAGE) or 1


async def queue_page(request: Request) -> Response:
    engine = request.app.state.engine
    filters = _filters(request)
    size = request.app.state.config.page_size
    page = review.queue_page(engine, filters, limit=size, offset=(_page_number(request) - 1) * size)
    return _render(
        request,
        "queue.html",
        {
            "items": page.items,
            "page": page,
            "filters": filters,
            "qs": _qs(filters),
            "counts": page.counts,
            "flag_codes": [r.code for r in load_flag_rules().rules],
            "entities": review.entities(engine),
            "levels": forms.LEVELS,
            "statuses": REVIEW_STATUSES,
            **_confirmation(request),
        },
    )


def _confirmation(request: Request) -> dict[str, Any]:
    """After an action: a fixed line saying what was done (nothing from the URL is shown as
    is), and the undo offer while that action is still the latest on its item."""
    q = request.query_params
    done = q.get("done", "")
    pk = small_int(q.get("id"), MAX_ROW_ID)
    if done not in DONE_MESSAGES or pk is None:
        return {"done": None, "undo": None}
    undo = None
    event_id = small_int(q.get("event"), MAX_ROW_ID)
    if done in UNDOABLE and event_id is not None:
        latest = _latest_event(request, pk)
        if latest is not None and latest.id == event_id and latest.action != "revert":
            undo = {"pk": pk, "event": event_id}
    return {"done": f"#{pk} {DONE_MESSAGES[done]}", "undo": undo}


def _latest_event(request: Request, pk: int) -> ReviewEvent | None:
    try:
        trail = review.history(request.app.state.engine, pk)
    except NotFoundError:
        return None
    return trail[-1] if trail else None


NOT_CURRENT = (
    "This analysis is not the one that stands for a provision of the latest version of its "
    "document (the clause was removed or modified since), so it is not compared with other "
    "platforms."
)


def _similar(request: Request, pk: int) -> tuple[SimilarReport | None, str]:
    """The "On other platforms" panel: the report, or why there is none."""
    engine = request.app.state.engine
    try:
        index = request.app.state.similarity.get()
        report = similar_for_analysis(engine, index, pk)
    except ClauselensError as exc:
        return None, f"Not available: {exc}"
    return report, "" if report is not None else NOT_CURRENT


def _item_response(
    request: Request,
    pk: int,
    *,
    errors: list[str] | None = None,
    form: FormData | None = None,
    open_panel: str | None = None,
    conflict: StaleReviewError | None = None,
    status: int = 200,
) -> Response:
    engine = request.app.state.engine
    try:
        got = review.get_item(engine, pk)
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from exc
    filters = _filters(request)
    prev_pk, next_pk = review.neighbours(engine, pk, filters)
    analysis = got.analysis or {}
    values = forms.form_values(analysis)
    if form is not None:
        values.update({k: v for k, v in form.items() if isinstance(v, str) and k in values})
    quotes = list(analysis.get("evidence_quotes") or [])
    similar, similar_note = _similar(request, pk)
    return _render(
        request,
        "item.html",
        {
            "got": got,
            "item": got.item,
            "clause_html": forms.highlight(got.clause_text or "", quotes),
            "clause_md": render_clause(got.clause_text or "", quotes),
            "quotes_found": len(forms.quote_spans(got.clause_text or "", quotes)),
            "fields": forms.FIELDS,
            "analysis": analysis,
            "get_path": forms.get_path,
            "values": values,
            "categories": forms.category_codes(),
            "prev_pk": prev_pk,
            "next_pk": next_pk,
            "qs": _qs(filters),
            "errors": errors or [],
            "conflict": conflict,
            "last_event_field": LAST_EVENT_FIELD,
            "open_panel": open_panel,
            "reject_note": (form.get("note") if form is not None else "") or "",
            **_confirmation(request),
            "similar": similar,
            "similar_note": similar_note,
            "capture": got.capture,
            "no_archive_url": review.NO_ARCHIVE_URL,
        },
        status,
    )


async def item_page(request: Request) -> Response:
    return _item_response(request, _path_pk(request))


def _after_action(request: Request, pk: int, done: str, event_id: int) -> Response:
    filters = _filters(request)
    following = review.next_pending(request.app.state.engine, filters, after=pk)
    qs = _qs(filters) + f"&done={done}&id={pk}&event={event_id}"
    target = f"/item/{following}?{qs}" if following is not None else f"/?{qs}"
    return RedirectResponse(target, status_code=303)


def _refused(request: Request, pk: int, exc: ReviewError, form: FormData, panel: str) -> Response:
    errors = [str(exc), *exc.reasons]
    return _item_response(request, pk, errors=errors, form=form, open_panel=panel, status=422)


def _conflict(
    request: Request, pk: int, exc: StaleReviewError, form: FormData, action: str
) -> Response:
    """409: the item as it is now, with what changed it. A typed reject note is kept; edited
    fields are not (sent again over the other reviewer's edit, they would undo it)."""
    kept = form if action == "reject" else None
    panel = action if kept is not None else None
    return _item_response(request, pk, form=kept, open_panel=panel, conflict=exc, status=409)


def _note(form: FormData) -> str | None:
    note = form.get("note")
    return note if isinstance(note, str) else None


Act = Callable[[sa.Engine, int, str, FormData, int], ReviewEvent]


def _approve(engine: sa.Engine, pk: int, reviewer: str, form: FormData, seen: int) -> ReviewEvent:
    return review.approve(engine, pk, reviewer, _note(form), expect_event=seen)


def _edit(engine: sa.Engine, pk: int, reviewer: str, form: FormData, seen: int) -> ReviewEvent:
    current = review.get_item(engine, pk).analysis or {}
    patch = forms.patch_from_form(current, form)
    return review.edit(engine, pk, reviewer, patch, _note(form), expect_event=seen)


def _reject(engine: sa.Engine, pk: int, reviewer: str, form: FormData, seen: int) -> ReviewEvent:
    return review.reject(engine, pk, reviewer, _note(form), expect_event=seen)


_ACTIONS: dict[str, tuple[Act, str]] = {
    "approve": (_approve, "approved"),
    "edit": (_edit, "edited"),
    "reject": (_reject, "rejected"),
}


async def _act(request: Request, action: str) -> Response:
    """One review action from a form: done, refused with its reasons, or 404."""
    form = await checked_form(request)
    pk = _path_pk(request)
    do, done = _ACTIONS[action]
    seen = _event_id(form.get(LAST_EVENT_FIELD))
    if seen is None:
        raise HTTPException(400, "the form does not say which event the page showed: reload it")
    try:
        event = do(request.app.state.engine, pk, _reviewer(request), form, seen)
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from exc
    except StaleReviewError as exc:
        return _conflict(request, pk, exc, form, action)
    except ReviewError as exc:
        return _refused(request, pk, exc, form, action)
    return _after_action(request, pk, done, event.id)


async def approve_action(request: Request) -> Response:
    return await _act(request, "approve")


async def edit_action(request: Request) -> Response:
    return await _act(request, "edit")


async def reject_action(request: Request) -> Response:
    return await _act(request, "reject")


async def undo_action(request: Request) -> Response:
    """Undo the action the form names, if it is still the latest on the item; back to it."""
    form = await checked_form(request)
    pk = _path_pk(request)
    raw = form.get("event")
    event_id = small_int(raw if isinstance(raw, str) else None, MAX_ROW_ID)
    if event_id is None:
        raise HTTPException(400, "the undo form names no event")
    try:
        review.revert(request.app.state.engine, pk, _reviewer(request), event_id=event_id)
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from exc
    except StaleReviewError as exc:
        return _conflict(request, pk, exc, form, "undo")
    except ReviewError as exc:
        return _refused(request, pk, exc, form, "undo")
    qs = _qs(_filters(request)) + f"&done=reverted&id={pk}"
    return RedirectResponse(f"/item/{pk}?{qs}", status_code=303)


async def login_page(request: Request) -> Response:
    config = request.app.state.config
    target = safe_next(request.query_params.get("next"))
    if config.token is None:
        return RedirectResponse(target, status_code=303)
    context: dict[str, Any] = {"next": target, "error": None}
    if request.method == "POST":
        form = await checked_form(request)
        attempts, key = request.app.state.attempts, requester(request)
        wait = attempts.retry_after(key)
        if wait:
            context["error"] = f"Too many wrong tokens from your address: try again in {wait} s."
            response = _render(request, "login.html", context, status=429)
            response.headers["retry-after"] = str(wait)
            return response
        sent = form.get("token")
        if isinstance(sent, str) and token_matches(sent.strip(), config.token):
            attempts.clear(key)
            response = RedirectResponse(target, status_code=303)
            response.set_cookie(
                AUTH_COOKIE, auth_value(config.token), httponly=True, samesite="strict"
            )
            name = form.get("reviewer")
            if isinstance(name, str) and name.strip():
                response.set_cookie(
                    REVIEWER_COOKIE, name.strip()[:_MAX_REVIEWER], httponly=True, samesite="strict"
                )
            return response
        attempts.fail(key)
        context["error"] = "That token is not the one this server printed at start."
        return _render(request, "login.html", context, status=403)
    return _render(request, "login.html", context)
