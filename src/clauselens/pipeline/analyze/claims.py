"""Claims: a clause text is claimed for its analysis key just before its request is sent, so
that two runs on one store never pay for the same analysis.

A claim is a lease: a row of ``claims`` keyed by the analysis key (clause_sha256, analyzer,
model, prompt version), held by one process of one run (``holder``) until ``expires_at``.

- ``Claimer.take`` claims texts in one short transaction: a text is taken when nobody else holds
  a claim in force on its key (an expired claim is taken over); a text taken whose key already
  has a valid analysis (stored by another run meanwhile) is let go at once. It returns the texts
  now held: only those are sent.
- Other paid work claims the same way under keys of its own, with its own ``done`` test in
  place of "has a valid analysis": a change analysis is claimed as ``change-<pk>``
  (``pipeline.versions.change_claims``).
- ``Claimer.renew`` moves the expiry of everything the holder holds ``lease`` seconds on; the
  executor calls it every third of the lease while it works, so a live run keeps its claims
  and a killed one's expire.
- ``release`` ends the holder's claims on texts whose results are being stored, in the same
  transaction (``persist.save_batch``); ``Claimer.release_all`` ends what is left when the
  executor stops; ``release_run`` ends every claim of a run whose process is gone.

``store.queries.pending`` counts a claim in force as in flight: a run planned while another
holds claims leaves those clauses to it.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from clauselens.errors import StoreError
from clauselens.pipeline.versions.change_claims import change_key, change_pk_of, done_for
from clauselens.store import tables as t
from clauselens.store.queries.pending import AnalyzerKey, valid_keys

DEFAULT_LEASE = 300.0  # seconds (``Settings.claim_lease``)
CHUNK = 500  # texts a statement names at most (SQLite allows 32,766 parameters a statement)

Clock = Callable[[], datetime]
# Of the keys just claimed, those whose work is already stored (let go at once, not sent).
Done = Callable[[sa.Connection, set[str]], set[str]]

# INSERT ... ON CONFLICT DO UPDATE, by dialect: the one statement that takes free and expired
# claims at once, so that two runs claiming together cannot both win a text.
_UPSERTS: dict[str, Callable[[sa.Table], Any]] = {
    "sqlite": sqlite.insert,
    "postgresql": postgresql.insert,
}
_KEY = ("clause_sha256", "analyzer", "model", "prompt_version")
_C = t.claims.c


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_holder(run_id: str) -> str:
    """Who holds a claim: the run, the host and process, and a token (one per ``Claimer``)."""
    return f"{run_id}@{socket.gethostname()[:24]}:{os.getpid()}:{secrets.token_hex(3)}"


def _chunks(shas: Collection[str]) -> list[list[str]]:
    ordered = sorted(set(shas))
    return [ordered[i : i + CHUNK] for i in range(0, len(ordered), CHUNK)]


def release(conn: sa.Connection, holder: str, shas: Collection[str]) -> None:
    """End ``holder``'s claims on ``shas``, in the caller's transaction."""
    for chunk in _chunks(shas):
        conn.execute(t.claims.delete().where(_C.holder == holder, _C.clause_sha256.in_(chunk)))


def release_run(conn: sa.Connection, run_id: str) -> int:
    """End every claim of ``run_id`` (its process is gone); how many there were."""
    return conn.execute(t.claims.delete().where(_C.run_id == run_id)).rowcount


@dataclass
class Claimer:
    """Claims for one run's analyzer key, held by this process (module docstring)."""

    engine: sa.Engine
    key: AnalyzerKey
    run_id: str
    lease: float = DEFAULT_LEASE
    synthetic: bool = True  # a synthetic analysis counts as done (``pending.synthetic_done``)
    clock: Clock = utc_now
    holder: str = ""
    done: Done | None = None  # None: the keys with a valid analysis for ``key``

    def __post_init__(self) -> None:
        self.holder = self.holder or new_holder(self.run_id)

    def _upsert(self, conn: sa.Connection) -> Any:
        make = _UPSERTS.get(conn.dialect.name)
        if make is None:
            raise StoreError(f"claims need SQLite or PostgreSQL, not {conn.dialect.name}")
        insert = make(t.claims)
        return insert.on_conflict_do_update(
            index_elements=list(_KEY),
            set_={col.name: insert.excluded[col.name] for col in _C if col.name not in _KEY},
            where=sa.or_(
                _C.expires_at <= insert.excluded.claimed_at, _C.holder == insert.excluded.holder
            ),
        )

    def take(self, shas: Collection[str]) -> set[str]:
        """Claim ``shas`` (``CHUNK`` at a time, a short transaction each); return those now
        held by this claimer (module docstring)."""
        held: set[str] = set()
        for chunk in _chunks(shas):
            held |= self._take(chunk)
        return held

    def _take(self, wanted: list[str]) -> set[str]:
        now = self.clock()
        values = {
            "analyzer": self.key.analyzer,
            "model": self.key.model,
            "prompt_version": self.key.prompt_version,
            "run_id": self.run_id,
            "holder": self.holder,
            "claimed_at": now,
            "expires_at": now + timedelta(seconds=self.lease),
        }
        with self.engine.begin() as conn:
            conn.execute(self._upsert(conn), [{**values, "clause_sha256": s} for s in wanted])
            mine = set(
                conn.execute(
                    sa.select(_C.clause_sha256).where(
                        _C.holder == self.holder, _C.clause_sha256.in_(wanted)
                    )
                ).scalars()
            )
            if self.done is not None:
                done = self.done(conn, mine)
            else:
                done = valid_keys(conn, self.key, synthetic=self.synthetic, among=mine)
            release(conn, self.holder, done)
        return mine - done

    def renew(self) -> None:
        """Move the expiry of every claim this claimer holds ``lease`` seconds on."""
        expires = self.clock() + timedelta(seconds=self.lease)
        with self.engine.begin() as conn:
            renewed = t.claims.update().where(_C.holder == self.holder)
            conn.execute(renewed.values(expires_at=expires))

    def release_all(self) -> None:
        """End every claim this claimer still holds (the executor stopped)."""
        with self.engine.begin() as conn:
            conn.execute(t.claims.delete().where(_C.holder == self.holder))


@dataclass
class ChangeClaimer:
    """``ChangeClaims`` for one run's change analyses by ``analyzer``: a ``Claimer`` under the
    key ``change-<pk>`` whose ``done`` test reads the change rows (``change_claims.done_for``)."""

    engine: sa.Engine
    analyzer: str
    run_id: str
    lease: float = DEFAULT_LEASE
    clock: Clock = utc_now
    redo: bool = False  # ``analyze_changes(redo=True)``: a change analysed already is not done
    claimer: Claimer = field(init=False)

    def __post_init__(self) -> None:
        key = AnalyzerKey(self.analyzer, model="*", prompt_version="*")  # one analysis a row
        self.claimer = Claimer(
            self.engine, key, self.run_id, self.lease, clock=self.clock, done=self._done
        )

    def _done(self, conn: sa.Connection, keys: set[str]) -> set[str]:
        if self.redo:
            return set()
        ch = t.changes.c
        pks = {change_pk_of(key): key for key in keys}
        rows = conn.execute(
            sa.select(ch.id, ch.analyzer, ch.change_provenance).where(ch.id.in_(pks))
        )
        return {pks[pk] for pk, by, provenance in rows if done_for(self.analyzer, by, provenance)}

    def take(self, change_pk: int) -> bool:
        return bool(self.claimer.take([change_key(change_pk)]))

    def end(self, conn: sa.Connection, change_pk: int) -> None:
        release(conn, self.claimer.holder, [change_key(change_pk)])

    def release_all(self) -> None:
        self.claimer.release_all()
