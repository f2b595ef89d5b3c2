"""Superseded analyses: which clause texts are no longer in force, and which version replaced
them.

A clause text is *in force* when a clause with that text (``clause_sha256``) is in the latest
version of some document (``documents.latest_versions``, the one rule for "latest"). An
analysis is *superseded* when its text is known (some clause has it) but in force nowhere: every
version that held it has been followed by one that reworded or removed it. A text no clause
holds (an analysis stored for a text that was never ingested) is not called superseded: nothing
says what replaced it.

Only the latest versions count, so the answer does not depend on the order in which versions
arrived: a late older version is never the latest of its document and changes nothing.

``store.placement`` keeps the answer on each analysis (``analyses.superseded``) so that the
review queue sorts on an index; ``superseded_by`` says, for the few analyses a page shows, which
version replaced their text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from clauselens.store import tables as t
from clauselens.store.queries.documents import latest_versions, oldest_first

_CHUNK = 500


@dataclass(frozen=True)
class Supersession:
    """The version that replaced a text: its number in its document (from 1, first to latest)
    and when it was captured."""

    number: int
    captured_at: datetime


def _known_texts() -> tuple[sa.Select[Any], sa.Select[Any]]:
    """(the texts bound to ``shas`` some clause holds, the ones a latest version holds)."""
    c = t.clauses.c
    wanted = c.clause_sha256.in_(sa.bindparam("shas", expanding=True))
    latest = latest_versions()
    held = sa.select(c.clause_sha256).where(wanted).distinct()
    in_force = (
        sa.select(c.clause_sha256)
        .join(latest, latest.c.version_pk == c.version_pk)
        .where(wanted)
        .distinct()
    )
    return held, in_force


# Built once: the writer asks this at every group commit (``store.placement``).
_HELD, _IN_FORCE = _known_texts()


def known_texts(conn: sa.Connection, shas: Iterable[str]) -> tuple[set[str], set[str]]:
    """Of these clause texts: (the ones some clause holds, the ones in force)."""
    wanted = sorted(set(shas))
    held: set[str] = set()
    in_force: set[str] = set()
    for start in range(0, len(wanted), _CHUNK):
        chunk = {"shas": wanted[start : start + _CHUNK]}
        held.update(conn.execute(_HELD, chunk).scalars().all())
        in_force.update(conn.execute(_IN_FORCE, chunk).scalars().all())
    return held, in_force


def texts_of_versions(conn: sa.Connection, version_pks: Iterable[int]) -> set[str]:
    """Every clause text of these versions."""
    c = t.clauses.c
    wanted = sorted(set(version_pks))
    query = sa.select(c.clause_sha256).where(c.version_pk.in_(wanted)).distinct()
    return set(conn.execute(query).scalars())


def superseded_by(
    conn: sa.Connection, texts: Iterable[tuple[str, int]]
) -> dict[tuple[str, int], Supersession]:
    """(clause text, document row id) → the version of that document that replaced the text:
    the one after the last version holding it. Pairs whose text is still in the document's
    latest version, or that no version of it holds, are left out."""
    pairs = set(texts)
    if not pairs:
        return {}
    c, v = t.clauses.c, t.versions.c
    documents = sorted({doc for _, doc in pairs})
    order = conn.execute(
        sa.select(v.document_pk, v.id, v.captured_at)
        .where(v.document_pk.in_(documents))
        .order_by(v.document_pk, *oldest_first())
    ).all()
    versions: dict[int, list[tuple[int, datetime]]] = defaultdict(list)
    for row in order:
        versions[row.document_pk].append((row.id, row.captured_at))
    holding = conn.execute(
        sa.select(c.clause_sha256, v.document_pk, c.version_pk)
        .join(t.versions, v.id == c.version_pk)
        .where(c.clause_sha256.in_(sorted({sha for sha, _ in pairs})), v.document_pk.in_(documents))
    ).all()
    held: dict[tuple[str, int], set[int]] = defaultdict(set)
    for row in holding:
        held[(row.clause_sha256, row.document_pk)].add(row.version_pk)
    found: dict[tuple[str, int], Supersession] = {}
    for pair in pairs:
        listed = versions.get(pair[1], [])
        places = [i for i, (pk, _) in enumerate(listed) if pk in held.get(pair, set())]
        if places and places[-1] + 1 < len(listed):
            after = places[-1] + 1
            found[pair] = Supersession(after + 1, listed[after][1])
    return found
