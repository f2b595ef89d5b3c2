"""The query layer: one place that answers each shared question about the store.

- ``review``: the review queue (filtered, ordered, paginated and counted in SQL), one item of
  it, and the audit trail of an analysis.
"""

from clauselens.store.queries.review import (
    FlagRow,
    ItemRow,
    QueueFilter,
    QueueRow,
    entities,
    flag_counts,
    item_row,
    neighbours,
    queue_page,
    queue_total,
    review_events,
)

__all__ = [
    "FlagRow",
    "ItemRow",
    "QueueFilter",
    "QueueRow",
    "entities",
    "flag_counts",
    "item_row",
    "neighbours",
    "queue_page",
    "queue_total",
    "review_events",
]
