"""Review: what an analyst looks at, and what they decide.

- ``flags``: the flag rules (data) and the flags of each analysis.
- ``queue``: the review queue (computed by the store's query layer), a page at a time, and one
  item of it.
- ``decisions``: approve / edit / reject, revert (undo the latest), and the append-only audit
  trail; each action may name the event it expects to be the latest, so that of two reviewers
  on one analysis the second is refused (``StaleReviewError``).

The names below are the review API: ``from clauselens import review``.
"""

from clauselens.review.decisions import (
    NOT_REVIEWED,
    REVIEW_STATUSES,
    ReviewEvent,
    apply_patch,
    approve,
    diff_paths,
    edit,
    history,
    reject,
    revert,
)
from clauselens.review.queue import (
    NO_ARCHIVE_URL,
    PAGE_SIZE,
    CaptureSource,
    QueueFilter,
    QueueItem,
    QueuePage,
    ReviewItem,
    entities,
    flag_counts,
    get_item,
    list_queue,
    neighbours,
    next_pending,
    queue_page,
)

__all__ = [
    "NOT_REVIEWED",
    "NO_ARCHIVE_URL",
    "PAGE_SIZE",
    "REVIEW_STATUSES",
    "CaptureSource",
    "QueueFilter",
    "QueueItem",
    "QueuePage",
    "ReviewEvent",
    "ReviewItem",
    "apply_patch",
    "approve",
    "diff_paths",
    "edit",
    "entities",
    "flag_counts",
    "get_item",
    "history",
    "list_queue",
    "neighbours",
    "next_pending",
    "queue_page",
    "reject",
    "revert",
]
