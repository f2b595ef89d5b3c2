"""The records the similarity index takes and gives: ``Item`` (one provision) and ``Match``.

The index knows nothing about the store: a caller turns provisions (or any text with an entity)
into ``Item`` records and reads ``Match`` records back.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Item:
    """One provision to index.

    ``key`` is the caller's identity for it (a record id or provision id), unique in an index;
    ``entity`` is the platform it belongs to; ``categories`` are taxonomy codes from its analysis
    (empty when it has none).
    """

    key: str
    entity: str
    document: str
    text: str
    categories: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Match:
    """An item of another platform that resembles the query; ``score`` is in [0, 1]."""

    key: str
    entity: str
    document: str
    score: float
