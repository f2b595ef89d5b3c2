"""How unique each analysed provision is, kept on the analyses for the review queue.

After a run, ``place_uniqueness`` compares every current provision with the other platforms
(``provisions._Scorer.matches_many``: the index refreshed incrementally, then block products)
and stores on each analysis how many other platforms have a similar provision
(``analyses.similar_platforms``, written by ``store.placement.set_similar_platforms``). The
review queue lists, among items otherwise equal, a provision no other platform has first, then
those fewer platforms share, then common ones.

An analysis takes the count of the provision it stands for: the current clause with its text,
or the clause a cosmetic or moved clause inherits its analysis from (``_items.current_rows``
resolves both). A text several current provisions hold takes the smallest count. Analyses of
texts no current provision holds, and every analysis while only one platform is tracked (where
every provision would be trivially unique), are "not compared" (NULL).

Uniqueness is a fact of the whole corpus, so it is as of the last run: ingesting a new
platform without a run changes nothing until the next run (or ``clauselens unique``, which
prints the current answer) compares again.

Incremental. Comparing every provision with every other is quadratic (3,672 provisions: about
5 s here), so ``place_uniqueness`` keeps what it found (``PlacementState``, in the store beside
the index): per provision, a digest of what its score depends on (platform, text, categories),
its count, and the provisions at or over the threshold. The next placement, when the index's
embedder and the threshold are the same, recompares only the provisions whose count can have
changed: the new or changed ones, those that matched a removed or changed one, and those a new
one matches (scores are symmetric, and an embedder that was not refitted scores every other
pair as before). A refit, another threshold, or more than half the provisions changed compares
everything again.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from clauselens.similarity import DEFAULT_THRESHOLD, Item
from clauselens.similarity._cache import load_placement, method_of, save_placement
from clauselens.similarity.provisions import _Scorer, scorer_for, snapshot
from clauselens.store import tables as t
from clauselens.store.locks import write_transaction
from clauselens.store.placement import set_similar_platforms


@dataclass(frozen=True)
class UniquenessReport:
    """What ``place_uniqueness`` did."""

    provisions: int  # current provisions compared
    unique: int  # of which no other platform has a similar one
    platforms: int  # platforms tracked
    analyses_changed: int
    seconds: float
    recompared: int = 0  # provisions compared this time (the others kept their counts)


@dataclass(frozen=True)
class PlatformCounts:
    """``similar_platform_counts``: per analysis text, and what was compared."""

    by_sha: dict[str, int]  # clause text hash → other platforms with a similar provision
    provisions: int
    unique: int
    platforms: int
    state: PlacementState | None = None  # what was found, for the next placement
    recompared: int = 0


@dataclass(frozen=True)
class Placement:
    """One provision as last placed: what its score depends on, its count, its matches."""

    digest: str
    count: int
    matches: tuple[str, ...]


@dataclass(frozen=True)
class PlacementState:
    """Every current provision as last placed, with the embedder and threshold used."""

    method: str
    threshold: float
    placements: dict[str, Placement]

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "threshold": self.threshold,
            "placements": {
                k: [p.digest, p.count, list(p.matches)] for k, p in self.placements.items()
            },
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any] | None) -> PlacementState | None:
        """The state, or None for a missing or unreadable one (then everything is compared)."""
        if raw is None:
            return None
        try:
            placements = {
                str(k): Placement(str(d), int(n), tuple(str(m) for m in matches))
                for k, (d, n, matches) in raw["placements"].items()
            }
            return cls(str(raw["method"]), float(raw["threshold"]), placements)
        except (AttributeError, KeyError, TypeError, ValueError):
            return None


def item_digest(item: Item) -> str:
    """What a provision's scores depend on: its platform, text and categories."""
    raw = json.dumps([item.entity, item.text, sorted(item.categories)], ensure_ascii=False)
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:24]


def _to_compare(
    previous: PlacementState | None, digests: dict[str, str], scorer: _Scorer
) -> tuple[list[str], dict[str, Placement]]:
    """The provisions still to compare, and the placements already known: those kept from
    ``previous`` and those of the new provisions (module docstring)."""
    keys = list(digests)
    if (
        previous is None
        or previous.method != method_of(scorer.index)
        or previous.threshold != scorer.threshold
    ):
        return keys, {}
    old = previous.placements
    added = [k for k in keys if k not in old or old[k].digest != digests[k]]
    removed = [k for k, p in old.items() if digests.get(k) != p.digest]
    if 2 * (len(added) + len(removed)) > len(keys):
        return keys, {}
    known: dict[str, Placement] = {}
    affected: set[str] = set()
    for key in removed:
        affected.update(old[key].matches)
    for key, (count, matches) in zip(added, scorer.matches_many(added), strict=True):
        known[key] = Placement(digests[key], count, tuple(matches))
        affected.update(matches)
    todo = [k for k in keys if k in affected and k not in known]
    known.update({k: old[k] for k in keys if k not in affected and k not in known})
    return todo, known


def _placements(
    scorer: _Scorer, keys: Sequence[str], previous: PlacementState | None
) -> tuple[PlacementState, int]:
    items = scorer.index.items
    digests = {k: item_digest(items[scorer.rows[k]]) for k in keys}
    todo, known = _to_compare(previous, digests, scorer)
    for key, (count, matches) in zip(todo, scorer.matches_many(todo), strict=True):
        known[key] = Placement(digests[key], count, tuple(matches))
    fresh = sum(1 for k in keys if previous is None or known[k] is not previous.placements.get(k))
    placements = {k: known[k] for k in keys}
    return PlacementState(method_of(scorer.index), scorer.threshold, placements), fresh


def similar_platform_counts(
    engine: sa.Engine, threshold: float = DEFAULT_THRESHOLD, *, incremental: bool = False
) -> PlatformCounts:
    """How many other platforms have a provision similar to the one each analysed text stands
    for (module docstring); nothing is compared while only one platform is tracked.

    ``incremental``: start from the stored placement state and compare only what can have
    changed (the answer is the same; ``state`` is what to store for the next time).
    """
    with engine.connect() as conn:
        platforms = conn.execute(
            sa.select(sa.func.count(sa.distinct(t.documents.c.entity)))
        ).scalar_one()
    if platforms < 2:  # no index to build: nothing to compare with
        return PlatformCounts({}, 0, 0, platforms)
    read = snapshot(engine)
    scorer = scorer_for(engine, threshold, read)
    rows = [row for row in read.rows if row.record_id in scorer.rows]
    with engine.connect() as conn:
        previous = PlacementState.from_json(load_placement(conn)) if incremental else None
    if scorer.platforms < 2:
        return PlatformCounts({}, len(rows), 0, scorer.platforms)
    keys = list(dict.fromkeys(r.record_id for r in rows))
    state, recompared = _placements(scorer, keys, previous)
    by_sha: dict[str, int] = {}
    for row in rows:
        n = state.placements[row.record_id].count
        for sha in row.analysis_shas:
            by_sha[sha] = min(by_sha.get(sha, n), n)
    unique = sum(1 for row in rows if state.placements[row.record_id].count == 0)
    return PlatformCounts(by_sha, len(rows), unique, scorer.platforms, state, recompared)


def place_uniqueness(
    engine: sa.Engine, threshold: float = DEFAULT_THRESHOLD, *, incremental: bool = True
) -> UniquenessReport:
    """Compare the current provisions (only what can have changed since the last placement,
    unless ``incremental`` is False) and store the counts on the analyses (module docstring)."""
    started = time.perf_counter()
    counts = similar_platform_counts(engine, threshold, incremental=incremental)
    with write_transaction(engine) as conn:
        changed = set_similar_platforms(conn, counts.by_sha)
        if counts.state is not None:
            save_placement(
                conn, counts.state.to_json(), counts.state.method, len(counts.state.placements)
            )
    return UniquenessReport(
        counts.provisions,
        counts.unique,
        counts.platforms,
        changed,
        round(time.perf_counter() - started, 3),
        counts.recompared,
    )
