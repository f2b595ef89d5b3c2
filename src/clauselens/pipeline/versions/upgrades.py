"""Technical upgrades: versions whose differences are not the document's own changes.

Open Terms Archive re-extracts a document when a collection's filters or declaration change
("Apply technical or declaration upgrade on ...", ``pipeline.ingest.ota.records``). The new text
differs, but the service changed nothing. Such a capture carries a ``change_reason``
(``captures.change_reason``); when alignment records its version's changes, ``as_technical``
classes every ``modified`` provision ``cosmetic`` (it keeps its analysis, no change analysis is
asked for) and marks each recorded change with ``relation="technical"``. Added and removed
provisions stay so (an added clause has no earlier text to keep an analysis from; a removed one
no later clause to carry it), marked technical too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import sqlalchemy as sa

from clauselens.pipeline.versions.changes import Pair
from clauselens.schemas.changes import ChangeClass
from clauselens.store import tables as t

#: ``changes.relation`` of the changes of a technical upgrade.
TECHNICAL = "technical"


def change_reason(conn: sa.Connection, version_pk: int) -> str | None:
    """The ``change_reason`` of the capture a version was made from, if any."""
    v, c = t.versions, t.captures
    return conn.execute(
        sa.select(c.c.change_reason).join(v, v.c.capture_pk == c.c.id).where(v.c.id == version_pk)
    ).scalar_one_or_none()


def as_technical(pairs: Sequence[Pair]) -> list[Pair]:
    """The pairs of a technical upgrade: modified becomes cosmetic; every change is marked."""
    out = []
    for pair in pairs:
        if pair.change is ChangeClass.UNCHANGED:
            out.append(pair)
            continue
        change = ChangeClass.COSMETIC if pair.change is ChangeClass.MODIFIED else pair.change
        out.append(replace(pair, change=change, relation=TECHNICAL))
    return out
