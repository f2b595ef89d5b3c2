"""How unique each analysed provision is, kept on the analyses for the review queue.

After a run, ``place_uniqueness`` compares every current provision with the other platforms
(``provisions._Scorer.compare_many``: the index refreshed incrementally, then block products)
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
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa

from clauselens.similarity import DEFAULT_THRESHOLD
from clauselens.similarity._items import current_rows
from clauselens.similarity.provisions import scorer_for
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


@dataclass(frozen=True)
class PlatformCounts:
    """``similar_platform_counts``: per analysis text, and what was compared."""

    by_sha: dict[str, int]  # clause text hash → other platforms with a similar provision
    provisions: int
    unique: int
    platforms: int


def similar_platform_counts(
    engine: sa.Engine, threshold: float = DEFAULT_THRESHOLD
) -> PlatformCounts:
    """How many other platforms have a provision similar to the one each analysed text stands
    for (module docstring); nothing is compared while only one platform is tracked."""
    with engine.connect() as conn:
        platforms = conn.execute(
            sa.select(sa.func.count(sa.distinct(t.documents.c.entity)))
        ).scalar_one()
    if platforms < 2:  # no index to build: nothing to compare with
        return PlatformCounts({}, 0, 0, platforms)
    scorer = scorer_for(engine, threshold)
    with engine.connect() as conn:
        rows = [row for row in current_rows(conn) if row.record_id in scorer.rows]
    if scorer.platforms < 2:
        return PlatformCounts({}, len(rows), 0, scorer.platforms)
    compared = [c.similar_platforms for c in scorer.compare_many([r.record_id for r in rows], 0)]
    by_sha: dict[str, int] = {}
    for row, n in zip(rows, compared, strict=True):
        for sha in row.analysis_shas:
            by_sha[sha] = min(by_sha.get(sha, n), n)
    unique = sum(1 for n in compared if n == 0)
    return PlatformCounts(by_sha, len(rows), unique, scorer.platforms)


def place_uniqueness(engine: sa.Engine, threshold: float = DEFAULT_THRESHOLD) -> UniquenessReport:
    """Compare every current provision and store the counts on the analyses (module docstring)."""
    started = time.perf_counter()
    counts = similar_platform_counts(engine, threshold)
    with write_transaction(engine) as conn:
        changed = set_similar_platforms(conn, counts.by_sha)
    return UniquenessReport(
        counts.provisions,
        counts.unique,
        counts.platforms,
        changed,
        round(time.perf_counter() - started, 3),
    )
