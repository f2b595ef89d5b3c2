"""Boundary moves: text that moved between clauses without changing.

When a section moves and the clause boundaries shift with it (a section now starts under the
heading of another, a heading-only line becomes its own clause, a section is split into two
with the same words), alignment alone shows an added, a removed and a modified clause. Read as
text, nothing was added or removed: every sentence of those clauses is still in the other
version. ``boundary_moves`` finds such pairs and makes them ``moved`` with
``relation="boundaries"``:

- a modified pair whose old sentences all occur in the new version and whose new sentences all
  occur in the old version;
- an added clause whose sentences all occur in the old version (paired with the old clause that
  holds most of them, without carrying its provision);
- a removed clause whose sentences all occur in the new version (kept without a new clause).

Sentences are compared by cosmetic form (``textnorm``), so a moved sentence with new emphasis
still counts as present; a changed word, number or date does not.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

from clauselens.pipeline.versions.changes import Pair
from clauselens.schemas.changes import ChangeClass
from clauselens.textnorm import cosmetic_form

_CANDIDATES = (ChangeClass.MODIFIED, ChangeClass.ADDED, ChangeClass.REMOVED)
_UNIT_END = re.compile(r"(?<=[.!?;:])\s+|\n+")


@lru_cache(maxsize=8192)
def units(text: str) -> tuple[str, ...]:
    """The sentences and lines of ``text`` as cosmetic forms (empty ones dropped). Cached: a
    version's clauses are the old side of the next version's alignment."""
    # ``cosmetic_form`` unwrapped: its cache is for clauses (``align``), which the many
    # sentences of a version would push out; this function's own cache keeps the result.
    forms = (cosmetic_form.__wrapped__(u) for u in _UNIT_END.split(text))
    return tuple(f for f in forms if f)


def _covered(text: str, present: set[str]) -> bool:
    own = units(text)
    return bool(own) and all(u in present for u in own)


def _best_match(text: str, texts: Sequence[str]) -> int | None:
    own = set(units(text))
    scored = [(len(own & set(units(t))), -k) for k, t in enumerate(texts)]
    best = max(scored, default=(0, 0))
    return -best[1] if best[0] else None


def _moved(p: Pair, old: Sequence[str], new: Sequence[str], olds: set[str], news: set[str]) -> Pair:
    if (
        p.change is ChangeClass.MODIFIED
        and p.old is not None
        and p.new is not None
        and _covered(old[p.old], news)
        and _covered(new[p.new], olds)
    ):
        return Pair(p.old, p.new, ChangeClass.MOVED, p.similarity, "boundaries", p.carries)
    if p.change is ChangeClass.ADDED and p.new is not None and _covered(new[p.new], olds):
        source = p.old if p.old is not None else _best_match(new[p.new], old)
        return Pair(source, p.new, ChangeClass.MOVED, p.similarity, "boundaries", False)
    if p.change is ChangeClass.REMOVED and p.old is not None and _covered(old[p.old], news):
        return Pair(p.old, None, ChangeClass.MOVED, p.similarity, "boundaries", False)
    return p


def boundary_moves(old: Sequence[str], new: Sequence[str], pairs: Sequence[Pair]) -> list[Pair]:
    """``pairs`` with modified, added and removed clauses whose text only moved made ``moved``."""
    if not any(p.change in _CANDIDATES for p in pairs):  # nothing could have moved
        return list(pairs)
    olds = {u for text in old for u in units(text)}
    news = {u for text in new for u in units(text)}
    return [_moved(p, old, new, olds, news) for p in pairs]
