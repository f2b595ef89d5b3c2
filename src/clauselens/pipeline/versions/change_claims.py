"""What a claim on a change analysis is, seen from ``change_analysis``: its key, whether a change
row is already done for an analyzer, and the small interface the claims honour.

A change analysis is paid for like a clause analysis, so two runs on one store claim it before
its request is sent, with the clause claims' mechanism (``pipeline.analyze.claims``, a layer
above this one: it implements ``ChangeClaims`` as ``ChangeClaimer``). Its key in ``claims`` is
``change-<change pk>`` (never a clause's SHA-256, which is 64 hex digits) under the analyzer's
name: a change row holds one change analysis, whatever the model.
"""

from __future__ import annotations

from typing import Any, Protocol

import sqlalchemy as sa

from clauselens.store.queries import analyzer_rank

KEY_PREFIX = "change-"


def change_key(change_pk: int) -> str:
    """The claim key of one change row."""
    return f"{KEY_PREFIX}{change_pk}"


def change_pk_of(key: str) -> int:
    """The change row a claim key names (``change_key`` read back)."""
    return int(key.removeprefix(KEY_PREFIX))


def done_for(analyzer: str, done_by: str | None, provenance: dict[str, Any] | None) -> bool:
    """True when a change row analysed by ``done_by`` needs nothing from ``analyzer``: done by
    it, or by one that ranks as well (a synthetic answer ranks below every analyzer)."""
    if done_by is None:
        return False
    synthetic = bool((provenance or {}).get("synthetic"))
    return done_by == analyzer or analyzer_rank(done_by, synthetic) <= analyzer_rank(analyzer)


class ChangeClaims(Protocol):
    """Claims on change analyses held by one run (``pipeline.analyze.claims.ChangeClaimer``)."""

    def take(self, change_pk: int) -> bool:
        """Claim one change before its request is sent; False when another run holds it or
        it was analysed meanwhile (then it is not sent)."""
        ...

    def end(self, conn: sa.Connection, change_pk: int) -> None:
        """End the claim in the transaction that stores the change's analysis."""
        ...

    def release_all(self) -> None:
        """End every claim still held (the analyses stopped, or failed)."""
        ...
