"""Where each analysis sits in the review queue: whether its text is superseded, whether
another analysis of its text stands instead, the substance of its clause and its novelty,
stored on the analysis (``analyses.superseded``, ``analyses.outranked``,
``analyses.substance``, ``analyses.novelty``) so that the queue sorts on an index
(``store.queries.review``).

- ``superseded``: its text is in force in no latest version (``store.queries.superseded``).
- ``outranked``: another analysis of the same text stands for it (``store.queries.analyses``:
  an analyst's edit, then Claude before offline, then the newest), so an analyst who reviews
  what stands is not asked to review the same clause twice. ``mark_outranked`` sets it for
  every analysis of the texts named: ``place_analyses`` for the texts it stores, and
  ``review.decisions`` after each action (an edit or a rejection changes what stands).

- ``substance``: ``substance.assess`` of the analysis's clause (its text, heading path and
  place in its version): operative text, a preamble, or nothing of substance.
- ``novelty``: whether the clause came with a later version of its document, from the changes
  alignment recorded: ``Novelty.ADDED`` (a new provision), ``Novelty.MODIFIED`` (a provision
  reworded), else ``Novelty.FIRST_VERSION`` (in the first version tracked, or not known).

``place_analyses`` sets all four for the analyses named: ``persist.save_results`` calls it
for the analyses it stores. ``substance`` and ``novelty`` are facts of the clause an analysis
was first made for, so they do not change with later versions (``place_by_clause``, which
migration 0010 applies to every analysis). ``superseded`` changes when a document gets a new
latest version: ``ingest`` calls ``supersede_for_version`` for every version it stores, which
sets it again for the texts of the versions that were, or now are, the latest
(``mark_superseded``; migration 0013 applies it to every analysis). A version that arrives late
(older than the latest) changes no latest version, so no analysis changes.

``similar_platforms`` (how many other platforms have a similar provision) is a fact of the whole
corpus, not of one clause: ``similarity.uniqueness`` compares every current provision after a
run and writes it here with ``set_similar_platforms``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import IntEnum
from typing import Any

import sqlalchemy as sa

from clauselens.schemas.changes import ChangeClass
from clauselens.store import tables as t
from clauselens.store.queries.analyses import standing_ids
from clauselens.store.queries.documents import latest_version, previous_version
from clauselens.store.queries.review import clause_of_analysis, next_heading_path
from clauselens.store.queries.superseded import known_texts, texts_of_versions
from clauselens.substance import Assessment, assess

_CHUNK = 500


class Novelty(IntEnum):
    """Whether an analysis's clause came with a later version; lower comes first."""

    ADDED = 0
    MODIFIED = 1
    FIRST_VERSION = 2


NOVELTY_NOTES = {
    Novelty.ADDED: "added in a later version",
    Novelty.MODIFIED: "reworded in a later version",
    Novelty.FIRST_VERSION: "in the first version tracked",
}


def _novelty(clause_pk: sa.ColumnElement[Any]) -> sa.ColumnElement[int]:
    ch = t.changes.c
    kinds = {ChangeClass.ADDED.value: Novelty.ADDED, ChangeClass.MODIFIED.value: Novelty.MODIFIED}
    found = (
        sa.select(sa.func.min(sa.case(kinds, value=ch.change_class)))
        .where(ch.new_clause_pk == clause_pk, ch.change_class.in_(kinds))
        .scalar_subquery()
    )
    return sa.func.coalesce(found, int(Novelty.FIRST_VERSION))


def _facts() -> sa.Select[Any]:
    """The clause facts of the analyses whose ids are bound to ``pks``."""
    a, c = t.analyses.c, t.clauses.c
    inner = sa.select(a.id, clause_of_analysis().label("clause_pk")).where(
        a.id.in_(sa.bindparam("pks", expanding=True))
    )
    sub = inner.subquery()
    return sa.select(
        sub.c.id,
        c.text,
        c.heading_path,
        c.idx,
        next_heading_path().label("next_path"),
        _novelty(c.id).label("novelty"),
    ).join(t.clauses, c.id == sub.c.clause_pk)


# Built once (each call of a writer's group commit only binds its ids or texts): building and
# hashing these statements anew cost about 2 ms a commit of 14 analyses, more than running them.
_FACTS = _facts()
_TEXTS_OF = (
    sa.select(t.analyses.c.clause_sha256)
    .where(t.analyses.c.id.in_(sa.bindparam("pks", expanding=True)))
    .distinct()
)
_ANALYSED = (
    sa.select(t.analyses.c.clause_sha256)
    .where(t.analyses.c.clause_sha256.in_(sa.bindparam("shas", expanding=True)))
    .distinct()
)
_SET_SUPERSEDED = (
    t.analyses.update()
    .where(
        t.analyses.c.clause_sha256.in_(sa.bindparam("shas", expanding=True)),
        t.analyses.c.superseded != sa.bindparam("value"),
    )
    .values(superseded=sa.bindparam("value"))
)


def assessed(row: Any) -> Assessment:
    """``substance.assess`` of a row with ``text``, ``heading_path``, ``idx``, ``next_path``."""
    return assess(row.text, row.heading_path or (), row.idx, row.next_path)


_SET = (
    t.analyses.update()
    .where(t.analyses.c.id == sa.bindparam("b_pk"))
    .values(substance=sa.bindparam("b_substance"), novelty=sa.bindparam("b_novelty"))
)


def place_analyses(conn: sa.Connection, pks: Iterable[int]) -> None:
    """Set ``superseded``, ``substance`` and ``novelty`` of these analyses, and ``outranked``
    of every analysis of their texts (module docstring)."""
    ordered = sorted(set(pks))
    place_by_clause(conn, ordered)
    for start in range(0, len(ordered), _CHUNK):
        texts = conn.execute(_TEXTS_OF, {"pks": ordered[start : start + _CHUNK]}).scalars().all()
        mark_superseded(conn, texts)
        mark_outranked(conn, texts)


def place_by_clause(conn: sa.Connection, pks: Iterable[int]) -> None:
    """Set ``substance`` and ``novelty`` of these analyses (module docstring); an analysis with
    no clause keeps the defaults (operative, first version)."""
    ordered = sorted(set(pks))
    for start in range(0, len(ordered), _CHUNK):
        rows = conn.execute(_FACTS, {"pks": ordered[start : start + _CHUNK]}).all()
        values = [
            {
                "b_pk": row.id,
                "b_substance": int(assessed(row).substance),
                "b_novelty": int(row.novelty),
            }
            for row in rows
        ]
        if values:
            conn.execute(_SET, values)


def mark_superseded(conn: sa.Connection, shas: Iterable[str]) -> None:
    """Set ``superseded`` of every analysis of these clause texts: true for a text some clause
    holds but no latest version does (``store.queries.superseded``), else false."""
    wanted = sorted(set(shas))
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        # a text no analysis has: nothing to set
        chunk = sorted(conn.execute(_ANALYSED, {"shas": chunk}).scalars())
        if not chunk:
            continue
        held, in_force = known_texts(conn, chunk)
        gone = sorted(held - in_force)
        current = sorted(set(chunk) - set(gone))
        for texts, value in ((gone, True), (current, False)):
            if texts:
                conn.execute(_SET_SUPERSEDED, {"shas": texts, "value": value})


def mark_outranked(conn: sa.Connection, shas: Iterable[str]) -> None:
    """Set ``outranked`` of every analysis of these clause texts: true when another analysis
    of its text stands (``standing_ids``), else false. Rows already right are not
    written."""
    wanted = sorted(set(shas))
    a = t.analyses.c
    for start in range(0, len(wanted), _CHUNK):
        # a text with one analysis is never outranked (its row keeps the default, false; no
        # analysis is ever deleted): only texts with several are ranked
        several = (
            sa.select(a.clause_sha256)
            .where(a.clause_sha256.in_(wanted[start : start + _CHUNK]))
            .group_by(a.clause_sha256)
            .having(sa.func.count() > 1)
        )
        chunk = sorted(conn.execute(several).scalars())
        if not chunk:
            continue
        standing = standing_ids(conn, chunk)
        pks, stood = sorted(standing.values()), sorted(standing)
        beaten = sa.and_(a.clause_sha256.in_(stood), a.id.not_in(pks))
        stands = sa.and_(
            a.clause_sha256.in_(chunk), sa.or_(a.clause_sha256.not_in(stood), a.id.in_(pks))
        )
        for where, value in ((beaten, True), (stands, False)):
            conn.execute(
                t.analyses.update().where(where, a.outranked != value).values(outranked=value)
            )


def supersede_for_version(conn: sa.Connection, version_pk: int, document_pk: int) -> None:
    """After ``version_pk`` of ``document_pk`` was stored: set ``superseded`` again for the
    texts of that version, the one before it and the document's latest. When it is the new
    latest, the one before it was the latest; when it came late, the latest did not change."""
    versions = {version_pk}
    before = previous_version(conn, version_pk)
    latest = latest_version(conn, document_pk)
    versions |= {v.pk for v in (before, latest) if v is not None}
    mark_superseded(conn, texts_of_versions(conn, versions))


def set_similar_platforms(conn: sa.Connection, counts: Mapping[str, int]) -> int:
    """Set ``analyses.similar_platforms`` from ``counts`` (clause text hash → how many other
    platforms have a similar provision) and to NULL for every other analysis; return how many
    analyses changed. Rows already right are not written."""
    a = t.analyses.c
    changed = 0
    by_value: dict[int, list[str]] = {}
    for sha, value in counts.items():
        by_value.setdefault(value, []).append(sha)
    for value, shas in sorted(by_value.items()):
        for start in range(0, len(shas), _CHUNK):
            done = conn.execute(
                t.analyses.update()
                .where(
                    a.clause_sha256.in_(sorted(shas)[start : start + _CHUNK]),
                    sa.or_(a.similar_platforms.is_(None), a.similar_platforms != value),
                )
                .values(similar_platforms=value)
            )
            changed += done.rowcount
    compared = sa.select(a.clause_sha256).where(a.similar_platforms.is_not(None)).distinct()
    stale = sorted(set(conn.execute(compared).scalars()) - set(counts))
    for start in range(0, len(stale), _CHUNK):
        done = conn.execute(
            t.analyses.update()
            .where(a.clause_sha256.in_(stale[start : start + _CHUNK]))
            .values(similar_platforms=None)
        )
        changed += done.rowcount
    return changed
