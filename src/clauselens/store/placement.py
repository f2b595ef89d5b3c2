"""Where each analysis sits in the review queue: the substance of its clause and its novelty,
stored on the analysis (``analyses.substance``, ``analyses.novelty``) so that the queue sorts
on an index (``store.queries.review``).

- ``substance``: ``substance.assess`` of the analysis's clause (its text, heading path and
  place in its version): operative text, a preamble, or nothing of substance.
- ``novelty``: whether the clause came with a later version of its document, from the changes
  alignment recorded: ``Novelty.ADDED`` (a new provision), ``Novelty.MODIFIED`` (a provision
  reworded), else ``Novelty.FIRST_VERSION`` (in the first version tracked, or not known).

``place_analyses`` sets both for the analyses named: ``persist.save_results`` calls it for the
analyses it stores, migration 0010 for every analysis already stored. Both are facts of the
clause an analysis was first made for, so they do not change with later versions.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import IntEnum
from typing import Any

import sqlalchemy as sa

from clauselens.schemas.changes import ChangeClass
from clauselens.store import tables as t
from clauselens.store.queries.review import clause_of_analysis, next_heading_path
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


def _facts(pks: list[int]) -> sa.Select[Any]:
    a, c = t.analyses.c, t.clauses.c
    inner = sa.select(a.id, clause_of_analysis().label("clause_pk")).where(a.id.in_(pks))
    sub = inner.subquery()
    return sa.select(
        sub.c.id,
        c.text,
        c.heading_path,
        c.idx,
        next_heading_path().label("next_path"),
        _novelty(c.id).label("novelty"),
    ).join(t.clauses, c.id == sub.c.clause_pk)


def assessed(row: Any) -> Assessment:
    """``substance.assess`` of a row with ``text``, ``heading_path``, ``idx``, ``next_path``."""
    return assess(row.text, row.heading_path or (), row.idx, row.next_path)


_SET = (
    t.analyses.update()
    .where(t.analyses.c.id == sa.bindparam("b_pk"))
    .values(substance=sa.bindparam("b_substance"), novelty=sa.bindparam("b_novelty"))
)


def place_analyses(conn: sa.Connection, pks: Iterable[int]) -> None:
    """Set ``substance`` and ``novelty`` of these analyses (module docstring); an analysis with
    no clause keeps the defaults (operative, first version)."""
    ordered = sorted(set(pks))
    for start in range(0, len(ordered), _CHUNK):
        rows = conn.execute(_facts(ordered[start : start + _CHUNK])).all()
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
