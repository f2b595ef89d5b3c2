"""Review: what an analyst looks at, and what they decide.

- ``flags``: the flag rules (data) and the flags of each analysis.
- ``decisions``: the review queue, approve / edit / reject, the append-only audit trail.

The review API at package level: ``list_queue`` (with a ``QueueFilter``), ``approve``, ``edit``,
``reject``, ``history``; they return ``QueueItem`` and ``ReviewEvent`` records.
"""

from clauselens.review.decisions import (
    QueueFilter,
    QueueItem,
    ReviewEvent,
    approve,
    edit,
    history,
    list_queue,
    reject,
)

__all__ = [
    "QueueFilter",
    "QueueItem",
    "ReviewEvent",
    "approve",
    "edit",
    "history",
    "list_queue",
    "reject",
]
