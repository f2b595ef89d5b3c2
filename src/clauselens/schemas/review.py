"""``ReviewEvent``: one analyst action in the append-only audit trail (``review_events``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

# ``revert`` undoes the latest action: the review state goes back to what it was before it.
Action = Literal["approve", "edit", "reject", "revert"]
REVIEW_STATUSES = ("pending", "approved", "edited", "rejected")
# The "latest event" of an analysis never reviewed, where an action names the event it expects
# (event ids start at 1).
NOT_REVIEWED = 0


def diff_paths(before: Any, after: Any, prefix: str = "") -> list[tuple[str, Any, Any]]:
    """Leaf-level differences between two JSON values (lists compare whole)."""
    if isinstance(before, dict) and isinstance(after, dict):
        found: list[tuple[str, Any, Any]] = []
        for key in list(dict.fromkeys([*before, *after])):
            path = f"{prefix}.{key}" if prefix else str(key)
            found += diff_paths(before.get(key), after.get(key), path)
        return found
    return [] if before == after else [(prefix, before, after)]


class ReviewEvent(BaseModel):
    """One past action in the audit trail; an edit carries the analysis before and after, and
    so does a revert that puts a different analysis back (the revert of an edit)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: int
    analysis_pk: int
    action: Action
    reviewer: str
    at: datetime
    note: str | None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None

    def changes(self) -> list[tuple[str, Any, Any]]:
        """The fields an edit changed, as ``(dotted path, before, after)``."""
        if self.before is None or self.after is None:
            return []
        return diff_paths(self.before, self.after)
