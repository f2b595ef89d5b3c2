"""Align: give each clause of a version its provision (the clause's identity across versions).

The clauses of a version are aligned with those of the version before it (by ``captured_at``):
an aligned clause inherits its provision; any other clause starts a new provision, whose
``provision_id`` is derived from content (document id, clause hash, occurrence) so that the same
captures give the same ids on every machine.

This first form aligns exact ``clause_sha256`` matches only.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict

import sqlalchemy as sa

from clauselens.store import insert_pk
from clauselens.store import tables as t


def provision_id_for(document_id: str, clause_sha256: str, occurrence: int) -> str:
    key = f"{document_id}\x1f{clause_sha256}\x1f{occurrence}".encode()
    return "CL-P-" + hashlib.sha256(key).hexdigest()[:10]


def previous_version(conn: sa.Connection, version_pk: int) -> int | None:
    v = t.versions
    cur = conn.execute(sa.select(v.c.document_pk, v.c.captured_at).where(v.c.id == version_pk))
    doc_pk, at = cur.one()
    prev = conn.execute(
        sa.select(v.c.id)
        .where(v.c.document_pk == doc_pk, v.c.captured_at < at)
        .order_by(v.c.captured_at.desc(), v.c.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return int(prev) if prev is not None else None


def _new_provision(
    conn: sa.Connection, doc_pk: int, document_id: str, version_pk: int, clause_sha: str
) -> int:
    p = t.provisions
    occurrence = 0
    while True:
        pid = provision_id_for(document_id, clause_sha, occurrence)
        taken = conn.execute(sa.select(p.c.id).where(p.c.provision_id == pid)).first()
        if taken is None:
            break
        occurrence += 1
    return int(
        insert_pk(
            conn,
            p.insert().values(provision_id=pid, document_pk=doc_pk, first_version_pk=version_pk),
        )
    )


def align_version(conn: sa.Connection, version_pk: int) -> None:
    """Assign a provision to every clause of ``version_pk`` (idempotent)."""
    v, c, d = t.versions, t.clauses, t.documents
    doc_pk, document_id = conn.execute(
        sa.select(v.c.document_pk, d.c.document_id)
        .join(d, d.c.id == v.c.document_pk)
        .where(v.c.id == version_pk)
    ).one()
    prev = previous_version(conn, version_pk)
    available: dict[str, list[int]] = defaultdict(list)
    if prev is not None:
        for sha, provision_pk in conn.execute(
            sa.select(c.c.clause_sha256, c.c.provision_pk)
            .where(c.c.version_pk == prev)
            .order_by(c.c.idx)
        ):
            if provision_pk is not None:
                available[sha].append(int(provision_pk))
    clauses = conn.execute(
        sa.select(c.c.id, c.c.clause_sha256).where(c.c.version_pk == version_pk).order_by(c.c.idx)
    ).all()
    for clause_pk, sha in clauses:
        provision_pk = (
            available[sha].pop(0)
            if available.get(sha)
            else _new_provision(conn, doc_pk, document_id, version_pk, sha)
        )
        conn.execute(c.update().where(c.c.id == clause_pk).values(provision_pk=provision_pk))
    conn.execute(v.update().where(v.c.id == version_pk).values(aligned=True))
