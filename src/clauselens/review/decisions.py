"""Review decisions: approve, edit, reject, and the append-only audit trail of them.

States: ``pending`` (never reviewed) → ``approved`` | ``edited`` | ``rejected``. Re-review is
allowed: every action appends a new ``review_events`` row (reviewer, time, note, and for an
edit the analysis before and after) and updates the analysis's review columns in the same
transaction. The store refuses UPDATE and DELETE on ``review_events`` (migration 0002).

Undo is ``revert``: while an action is the latest event of its analysis, it can be reverted.
That appends a ``revert`` event (nothing is deleted) and puts the review columns back as the
trail before the action leaves them: replaying the trail, each revert cancels the action it
follows. The analysis as it stands comes back too (reverting an edit restores the earlier edit
or the original), and the revert event carries it before and after. A revert itself is not
reverted: act again instead. (A real answer replacing the fake API's synthetic one resets the
review columns without an event, ``pipeline.analyze.persist``: an action reviewed before such
a reset still counts in the replay.)

An edit is a patch of dotted field paths (``institutional_analysis.governance_exposure.level``,
``evidence_quotes``, ``applicable_agencies.0.name``) applied to the analysis as it stands, then
validated with the same two layers as model output (``schemas.validate``), with the clause text
and the input's truncation as context. An invalid edit raises ``ReviewError`` with every reason
and stores nothing. A stored edit also sets ``analyses.severity`` and ``confidence`` to the
edited values, so everything that filters or ranks on those columns (the queue, changes) sees
the analysis as it stands. The queue itself is ``review.queue``.

Two reviewers on one analysis: every action may name the event it expects to be the latest
(``expect_event``: the id of the last event the reviewer was shown, ``NOT_REVIEWED`` when the
trail was empty). If another action was stored since, the action is refused with
``StaleReviewError`` (who did what, when) and stores nothing. The check and the write happen in
one ``store.locks.write_transaction``, so of two reviewers expecting the same event exactly one
succeeds. Without ``expect_event`` an action is not checked (scripts acting on ids alone).
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from clauselens.errors import NotFoundError, ReviewError, StaleReviewError
from clauselens.review.queue import require_row_id
from clauselens.schemas.review import (
    NOT_REVIEWED,
    REVIEW_STATUSES,
    Action,
    ReviewEvent,
    diff_paths,
)
from clauselens.schemas.validate import InvalidAnalysis, validate_analysis
from clauselens.store import insert_pk
from clauselens.store import tables as t
from clauselens.store.locks import write_transaction
from clauselens.store.placement import mark_outranked
from clauselens.store.queries import review as queries
from clauselens.store.queries import standing_data

__all__ = [
    "NOT_REVIEWED",
    "REVIEW_STATUSES",
    "Action",
    "ReviewEvent",
    "apply_patch",
    "approve",
    "diff_paths",
    "edit",
    "history",
    "reject",
    "revert",
]

_STATUS_AFTER: dict[str, str] = {"approve": "approved", "edit": "edited", "reject": "rejected"}


# --- patches --------------------------------------------------------------------------------


def apply_patch(data: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of ``data`` with each dotted path in ``patch`` set to its value."""
    result = copy.deepcopy(data)
    problems: list[str] = []
    for path, value in patch.items():
        parts = path.split(".")
        if not all(parts):
            problems.append(f"{path!r} is not a field path")
            continue
        target: Any = result
        for depth, part in enumerate(parts):
            last = depth == len(parts) - 1
            where = ".".join(parts[: depth + 1])
            if isinstance(target, list):
                if not part.isdigit() or int(part) >= len(target):
                    problems.append(f"{where}: no such list item (the list has {len(target)})")
                    break
                index = int(part)
                if last:
                    target[index] = value
                else:
                    target = target[index]
            elif isinstance(target, dict):
                if last:
                    target[part] = value
                elif part not in target:
                    problems.append(f"{where}: no such field")
                    break
                else:
                    target = target[part]
            else:
                problems.append(f"{where}: {'.'.join(parts[:depth])} has no fields")
                break
    if problems:
        raise ReviewError("edit refused: the patch does not fit the analysis", problems)
    return result


# --- the audit trail -----------------------------------------------------------------------


def history(engine: sa.Engine, analysis_pk: int) -> list[ReviewEvent]:
    """The audit trail of one analysis, oldest first."""
    with engine.connect() as conn:
        _require(conn, analysis_pk)
        return queries.review_events(conn, analysis_pk)


def _require(conn: sa.Connection, analysis_pk: int) -> Any:
    require_row_id(analysis_pk)
    row = conn.execute(sa.select(t.analyses).where(t.analyses.c.id == analysis_pk)).first()
    if row is None:
        raise NotFoundError(f"no analysis with id {analysis_pk}")
    return row


# --- the optimistic check ------------------------------------------------------------------


def _describe(event: ReviewEvent | None) -> str:
    if event is None:
        return "not reviewed yet"
    return f"#{event.id}: {event.action} by {event.reviewer} at {event.at:%Y-%m-%d %H:%M:%S}Z"


def stale_error(
    analysis_pk: int, expected: int, latest: ReviewEvent | None, message: str | None = None
) -> StaleReviewError:
    """The refusal of an action that expected ``expected`` to be the latest event."""
    then = "it was not reviewed yet" if expected == NOT_REVIEWED else f"its latest was #{expected}"
    return StaleReviewError(
        message
        or f"analysis {analysis_pk} changed since it was loaded, when {then}; nothing was stored",
        analysis_pk=analysis_pk,
        expected=expected,
        latest_id=latest.id if latest else NOT_REVIEWED,
        latest_action=latest.action if latest else None,
        latest_reviewer=latest.reviewer if latest else None,
        latest_at=f"{latest.at:%Y-%m-%d %H:%M:%S}Z" if latest else None,
        reasons=[
            f"the latest event is now {_describe(latest)}",
            "load it again and decide on the analysis as it is now",
        ],
    )


def _check_fresh(conn: sa.Connection, analysis_pk: int, expect_event: int | None) -> None:
    """``StaleReviewError`` unless the latest event of the analysis is ``expect_event`` (no
    check when it is ``None``). Call it inside the write transaction of the action."""
    if expect_event is None:
        return
    latest = queries.latest_review_event(conn, analysis_pk)
    if (latest.id if latest else NOT_REVIEWED) != expect_event:
        raise stale_error(analysis_pk, expect_event, latest)


# --- actions --------------------------------------------------------------------------------


def _record(
    conn: sa.Connection,
    analysis_pk: int,
    action: Action,
    reviewer: str,
    note: str | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> ReviewEvent:
    at = datetime.now(UTC)
    values: dict[str, Any] = {
        "analysis_pk": analysis_pk,
        "action": action,
        "reviewer": reviewer,
        "at": at,
        "note": note,
        "before": before,
        "after": after,
    }
    pk = insert_pk(conn, t.review_events.insert().values(**values))
    update: dict[str, Any] = {
        "review_status": _STATUS_AFTER[action],
        "reviewed_by": reviewer,
        "reviewed_at": at,
    }
    if after is not None:
        update["reviewed_analysis"] = after
        update["severity"] = after.get("severity")
        update["confidence"] = after.get("confidence")
    conn.execute(t.analyses.update().where(t.analyses.c.id == analysis_pk).values(**update))
    _restand(conn, analysis_pk)
    return ReviewEvent(id=pk, **values)


def _restand(conn: sa.Connection, analysis_pk: int) -> None:
    """After an action on ``analysis_pk``: which analysis of its text stands may have changed
    (an edit stands first, a rejected one cannot stand), so its text's ``outranked`` marks are
    set again."""
    a = t.analyses.c
    sha = conn.execute(sa.select(a.clause_sha256).where(a.id == analysis_pk)).scalar_one()
    mark_outranked(conn, [sha])


def in_effect(events: list[ReviewEvent]) -> list[ReviewEvent]:
    """The actions of a trail (oldest first) that still count: each revert cancels the latest
    action before it that still counted."""
    kept: list[ReviewEvent] = []
    for event in events:
        if event.action != "revert":
            kept.append(event)
        elif kept:
            kept.pop()
    return kept


def _state_after(row: Any, events: list[ReviewEvent]) -> dict[str, Any]:
    """The review columns of ``row`` as the trail ``events`` leaves them."""
    kept = in_effect(events)
    last = kept[-1] if kept else None
    edit = next((e.after for e in reversed(kept) if e.after is not None), None)
    standing = edit if edit is not None else row.analysis
    return {
        "review_status": _STATUS_AFTER[last.action] if last else "pending",
        "reviewed_by": last.reviewer if last else None,
        "reviewed_at": last.at if last else None,
        "reviewed_analysis": edit,
        "severity": standing.get("severity") if isinstance(standing, dict) else None,
        "confidence": standing.get("confidence") if isinstance(standing, dict) else None,
    }


def _clean(reviewer: str, note: str | None) -> tuple[str, str | None]:
    reviewer = reviewer.strip()
    if not reviewer:
        raise ReviewError("a reviewer name is required")
    note = (note or "").strip() or None
    return reviewer, note


def approve(
    engine: sa.Engine,
    analysis_pk: int,
    reviewer: str,
    note: str | None = None,
    *,
    expect_event: int | None = None,
) -> ReviewEvent:
    """Approve the analysis as it stands (an earlier edit included); ``expect_event``: only if
    that is still its latest event (module docstring)."""
    reviewer, note = _clean(reviewer, note)
    with write_transaction(engine) as conn:
        row = _require(conn, analysis_pk)
        _check_fresh(conn, analysis_pk, expect_event)
        if row.status != "valid":
            raise ReviewError(
                f"analysis {analysis_pk} failed, so there is nothing to approve",
                ["reject it with a note, or analyse the clause again"],
            )
        return _record(conn, analysis_pk, "approve", reviewer, note)


def reject(
    engine: sa.Engine,
    analysis_pk: int,
    reviewer: str,
    note: str | None,
    *,
    expect_event: int | None = None,
) -> ReviewEvent:
    """Reject the analysis; the note (why) is required. ``expect_event`` as for ``approve``."""
    reviewer, note = _clean(reviewer, note)
    if note is None:
        raise ReviewError("a rejection needs a note saying why", ["note: required"])
    with write_transaction(engine) as conn:
        _require(conn, analysis_pk)
        _check_fresh(conn, analysis_pk, expect_event)
        return _record(conn, analysis_pk, "reject", reviewer, note)


def _clause_context(conn: sa.Connection, row: Any) -> str:
    c = t.clauses.c
    where = c.id == row.clause_pk if row.clause_pk else c.clause_sha256 == row.clause_sha256
    text = conn.execute(sa.select(c.text).where(where).order_by(c.id.desc()).limit(1)).scalar()
    if text is None:
        raise ReviewError(
            f"analysis {row.id} has no stored clause, so an edit cannot be checked against it"
        )
    return str(text)


def edit(
    engine: sa.Engine,
    analysis_pk: int,
    reviewer: str,
    patch: dict[str, Any],
    note: str | None = None,
    *,
    expect_event: int | None = None,
) -> ReviewEvent:
    """Apply ``patch`` (dotted paths → values), validate, and store it as the analyst's edit.
    ``expect_event`` as for ``approve``: the patch was written against what the reviewer saw."""
    reviewer, note = _clean(reviewer, note)
    if not patch:
        raise ReviewError("the edit is empty: give at least one field to set")
    with write_transaction(engine) as conn:
        row = _require(conn, analysis_pk)
        _check_fresh(conn, analysis_pk, expect_event)
        before = standing_data(row)
        if before is None:
            raise ReviewError(f"analysis {analysis_pk} failed, so there is nothing to edit")
        patched = apply_patch(before, patch)
        try:
            analysis = validate_analysis(
                patched, _clause_context(conn, row), bool(row.input_truncated)
            )
        except InvalidAnalysis as exc:
            raise ReviewError(
                "edit refused: the result is not a valid analysis", exc.errors
            ) from exc
        after = analysis.model_dump(mode="json")
        if after == before:
            raise ReviewError("the edit changes nothing")
        return _record(conn, analysis_pk, "edit", reviewer, note, before, after)


def _latest_action(
    conn: sa.Connection, analysis_pk: int, event_id: int | None
) -> tuple[ReviewEvent, list[ReviewEvent]]:
    """The latest event of the analysis (it must be ``event_id`` when given, and not a revert),
    and the events before it."""
    events = queries.review_events(conn, analysis_pk)
    if not events:
        raise ReviewError(
            f"analysis {analysis_pk} has not been reviewed, so there is nothing to undo"
        )
    latest = events[-1]
    if event_id is not None and latest.id != event_id:
        raise stale_error(
            analysis_pk,
            event_id,
            latest,
            f"event {event_id} is not the latest action on analysis {analysis_pk}, so it cannot "
            "be undone; nothing was stored",
        )
    if latest.action == "revert":
        raise ReviewError(
            f"the latest event on analysis {analysis_pk} is already an undo",
            ["approve, edit or reject it again instead"],
        )
    return latest, events[:-1]


def revert(
    engine: sa.Engine,
    analysis_pk: int,
    reviewer: str,
    note: str | None = None,
    *,
    event_id: int | None = None,
) -> ReviewEvent:
    """Undo the latest action on the analysis (``event_id``: only if it is that one): append a
    ``revert`` event and put the review state back as it was before that action."""
    reviewer, note = _clean(reviewer, note)
    with write_transaction(engine) as conn:
        row = _require(conn, analysis_pk)
        latest, earlier = _latest_action(conn, analysis_pk, event_id)
        if row.reviewed_at != latest.at:
            raise ReviewError(
                f"the review of analysis {analysis_pk} was reset after #{latest.id} (a new "
                "answer replaced the one reviewed), so there is nothing to undo"
            )
        state = _state_after(row, earlier)
        before = standing_data(row)
        after = (
            state["reviewed_analysis"] if state["reviewed_analysis"] is not None else row.analysis
        )
        changed = before != after
        said = f"undoes #{latest.id} ({latest.action} by {latest.reviewer})"
        values: dict[str, Any] = {
            "analysis_pk": analysis_pk,
            "action": "revert",
            "reviewer": reviewer,
            "at": datetime.now(UTC),
            "note": f"{said}: {note}" if note else said,
            "before": before if changed else None,
            "after": after if changed else None,
        }
        pk = insert_pk(conn, t.review_events.insert().values(**values))
        conn.execute(t.analyses.update().where(t.analyses.c.id == analysis_pk).values(**state))
        _restand(conn, analysis_pk)
        return ReviewEvent(id=pk, **values)
