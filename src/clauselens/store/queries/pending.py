"""Which clauses need analysis: the one rule, and the store questions behind it.

The analysis key is (clause_sha256, analyzer, model, prompt version). A clause needs analysis
when all of these hold:

- it is more than a heading line (``heading``: nothing to analyse);
- its provision is new or its wording changed (``needed``: every clause of a document's first
  version, then the clauses of ``added`` and ``modified`` provisions; see
  ``clauses_needing_analysis``);
- its key has no valid analysis, is not waiting in an uncollected Message Batch, and is not
  claimed by a run whose claim is still in force (``done_keys``: all three are done or in
  flight; a claim is taken just before a request is sent, ``pipeline.analyze.claims``, and an
  expired one counts for nothing);
- the same text is not already planned in this run (``planned``: sent once).

``verdict`` applies it to one clause; a run (``pipeline.analyze.work``), one document
(``pipeline.runs.document``) and the dry-run estimate (``pipeline.runs.estimate``, over
captures not yet ingested) all call it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

import sqlalchemy as sa

from clauselens.schemas.changes import NEEDS_ANALYSIS
from clauselens.store import tables as t
from clauselens.store.queries.documents import previous_version


@dataclass(frozen=True)
class AnalyzerKey:
    """The analyzer part of an analysis key."""

    analyzer: str
    model: str
    prompt_version: str


class Verdict(StrEnum):
    """What a run does with one clause."""

    HEADING = "heading"  # only a heading line: not analysed, not counted as reused
    REUSED = "reused"  # unchanged provision, or a valid analysis (or one in flight) exists
    REPEAT = "repeat"  # the same text is already planned in this run: sent once
    SEND = "send"


def verdict(
    clause_sha256: str,
    *,
    heading: bool,
    needed: bool,
    done: Collection[str],
    planned: Collection[str],
) -> Verdict:
    """The rule (module docstring) for one clause."""
    if heading:
        return Verdict.HEADING
    if not needed or clause_sha256 in done:
        return Verdict.REUSED
    if clause_sha256 in planned:
        return Verdict.REPEAT
    return Verdict.SEND


def synthetic_done(base_url: str | None) -> bool:
    """Whether the fake API's synthetic answers count as done for a run sent to ``base_url``.

    Only for a run sent to a server of the user's choosing (``ANTHROPIC_BASE_URL``: the fake
    again, or a proxy): a run against the real API sends those clauses again, and its answers
    replace the synthetic ones (``pipeline.analyze.persist``)."""
    return base_url is not None


def valid_keys(
    conn: sa.Connection,
    key: AnalyzerKey,
    *,
    synthetic: bool = True,
    among: Collection[str] | None = None,
) -> set[str]:
    """The clause hashes that already have a valid analysis for ``key`` (``synthetic``: count
    the fake API's answers too; see ``synthetic_done``), of those in ``among`` if given."""
    a = t.analyses.c
    query = sa.select(a.clause_sha256).where(
        a.analyzer == key.analyzer,
        a.model == key.model,
        a.prompt_version == key.prompt_version,
        a.status == "valid",
    )
    if not synthetic:
        query = query.where(a.synthetic.is_(False))
    if among is not None:
        query = query.where(a.clause_sha256.in_(sorted(among)))
    return set(conn.execute(query).scalars())


def stored_keys(conn: sa.Connection, key: AnalyzerKey, among: Collection[str]) -> set[str]:
    """Of the clause hashes ``among``, those with an analysis for ``key`` stored, valid or
    failed (a worker's slice is done when each of its texts has one)."""
    a = t.analyses.c
    query = sa.select(a.clause_sha256).where(
        a.analyzer == key.analyzer,
        a.model == key.model,
        a.prompt_version == key.prompt_version,
        a.clause_sha256.in_(sorted(among)),
    )
    return set(conn.execute(query).scalars())


def claimed(conn: sa.Connection, key: AnalyzerKey, *, now: datetime | None = None) -> set[str]:
    """Clause hashes claimed for ``key`` by a run, the claim still in force at ``now``: their
    requests are in flight (or about to be) in that run."""
    c = t.claims.c
    query = sa.select(c.clause_sha256).where(
        c.analyzer == key.analyzer,
        c.model == key.model,
        c.prompt_version == key.prompt_version,
        c.expires_at > (now or datetime.now(UTC)),
    )
    return set(conn.execute(query).scalars())


def in_flight(conn: sa.Connection, key: AnalyzerKey) -> set[str]:
    """Clause hashes sent in a Message Batch for ``key`` that is not collected yet: a later
    run does not pay for them again (the batch's collection stores their analyses)."""
    b, r = t.batches.c, t.runs.c
    rows = conn.execute(
        sa.select(b.requests)
        .join(t.runs, r.id == b.run_id)
        .where(
            b.collected_at.is_(None),
            r.analyzer == key.analyzer,
            r.model == key.model,
            r.prompt_version == key.prompt_version,
        )
    ).scalars()
    return {entry["clause_sha256"] for requests in rows for entry in requests.values()}


def done_keys(
    conn: sa.Connection,
    key: AnalyzerKey,
    *,
    synthetic: bool = True,
    now: datetime | None = None,
) -> set[str]:
    """Clause hashes not to pay for again: a valid analysis, a request in an uncollected
    batch, or a claim in force at ``now`` (``synthetic``: as in ``valid_keys``)."""
    return (
        valid_keys(conn, key, synthetic=synthetic)
        | in_flight(conn, key)
        | claimed(conn, key, now=now)
    )


def has_previous_version(conn: sa.Connection, version_pk: int) -> bool:
    """Whether the version's document has an earlier version (the one version order)."""
    return previous_version(conn, version_pk) is not None


def clauses_needing_analysis(conn: sa.Connection, version_pk: int) -> list[int]:
    """Clause pks of ``version_pk`` whose provision is new or changed: all for a first
    version, else those of ``added`` and ``modified`` provisions."""
    c, ch = t.clauses, t.changes
    if not has_previous_version(conn, version_pk):
        query = sa.select(c.c.id).where(c.c.version_pk == version_pk)
    else:
        query = sa.select(ch.c.new_clause_pk).where(
            ch.c.to_version_pk == version_pk,
            ch.c.change_class.in_([k.value for k in NEEDS_ANALYSIS]),
            ch.c.new_clause_pk.is_not(None),
        )
    return sorted(int(pk) for pk in conn.execute(query).scalars())
