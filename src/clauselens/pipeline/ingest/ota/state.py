"""The last commit synced from each versions repository (the ``sync_state`` table).

One row per repository folder (resolved) and scope: the ``--service``/``--terms-type`` filters of
the sync, so that a filtered sync does not make a later full one skip the documents it left out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from clauselens.store import tables as t


@dataclass(frozen=True)
class SyncState:
    last_commit: str
    last_commit_at: datetime
    synced_at: datetime


def scope_key(services: Sequence[str], terms_types: Sequence[str]) -> str:
    """``*`` for everything, else the sorted filters (``service=A;terms_type=B``)."""
    parts = [f"service={s}" for s in sorted(set(services))]
    parts += [f"terms_type={x}" for x in sorted(set(terms_types))]
    return ";".join(parts) or "*"


def load_state(conn: sa.Connection, repository: str, scope: str) -> SyncState | None:
    s = t.sync_state.c
    row = conn.execute(
        sa.select(s.last_commit, s.last_commit_at, s.synced_at).where(
            s.repository == repository, s.scope == scope
        )
    ).first()
    return SyncState(row.last_commit, row.last_commit_at, row.synced_at) if row else None


def save_state(
    conn: sa.Connection,
    repository: str,
    scope: str,
    remote_url: str | None,
    commit: str,
    committed_at: datetime,
) -> None:
    s = t.sync_state
    values = {
        "remote_url": remote_url,
        "last_commit": commit,
        "last_commit_at": committed_at,
        "synced_at": datetime.now(UTC),
    }
    where = (s.c.repository == repository, s.c.scope == scope)
    if conn.execute(sa.select(s.c.id).where(*where)).first() is None:
        conn.execute(s.insert().values(repository=repository, scope=scope, **values))
    else:
        conn.execute(s.update().where(*where).values(**values))
