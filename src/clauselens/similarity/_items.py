"""Reading the provisions the similarity index covers from the store.

A provision is *current* when it has a clause in the latest version of its document
(``store.queries.latest_versions``); its current text is that clause's text. Its
categories come from the analysis that stands for that clause: the clause's own analysis when
its text was analysed, else the one ``changes.analysis_origin`` points to (a cosmetic or moved
clause keeps the analysis of the clause it came from), as ``store.queries.standing_analyses``
chooses it (an analyst's edit, else claude, else offline; the newest).

``store_fingerprint`` summarises everything that can change those items in one cheap query, so
a caller can tell that nothing changed without reading the clauses.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from clauselens.pipeline.segment.clauses import heading_only
from clauselens.pipeline.versions.changes import analysis_origin
from clauselens.similarity import Item
from clauselens.store import tables as t
from clauselens.store.queries import (
    latest_version,
    latest_versions,
    newest_first,
    standing_analyses,
)

EXCERPT_CHARS = 160


@dataclass(frozen=True)
class ProvisionRow:
    """A current provision: its index ``item`` plus what a listing shows about it."""

    item: Item
    document_id: str
    heading_path: tuple[str, ...]
    clause_idx: int
    # the text hashes of the analyses that stand for it: its clause's, and the clause's it
    # inherits its analysis from when its own text has none (cosmetic or moved)
    analysis_shas: tuple[str, ...] = ()

    @property
    def record_id(self) -> str:
        return self.item.key

    @property
    def excerpt(self) -> str:
        return excerpt(self.item.text, self.heading_path[-1] if self.heading_path else "")


_MARKUP = re.compile(r"^#{1,6}\s+|(?<=\s)#{1,6}\s+|[=\-_*]{3,}|\*\*", re.M)
_ESCAPE = re.compile(r"\\(?=[^\w\s])")


def excerpt(text: str, heading: str = "", limit: int = EXCERPT_CHARS) -> str:
    """The text on one line without Markdown rules and emphasis or a leading ``heading`` (shown
    beside it already), cut at a word near ``limit`` characters."""
    flat = " ".join(_MARKUP.sub(" ", _ESCAPE.sub("", text)).split())
    head = " ".join(_MARKUP.sub(" ", _ESCAPE.sub("", heading)).split())
    if head and flat.startswith(head) and len(flat) > len(head):
        flat = flat[len(head) :].lstrip(" :.-–")
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0]
    return cut + " …"


def _current_clause_rows(conn: sa.Connection) -> list[Any]:
    """The clauses (with a provision) of every document's latest version."""
    c, p, d = t.clauses, t.provisions, t.documents
    latest = latest_versions()
    query = (
        sa.select(
            c.c.id,
            c.c.idx,
            c.c.heading_path,
            c.c.text,
            c.c.clause_sha256,
            p.c.provision_id,
            d.c.entity,
            d.c.title,
            d.c.document_id,
        )
        .join(p, p.c.id == c.c.provision_pk)
        .join(d, d.c.id == p.c.document_pk)
        .join(latest, latest.c.version_pk == c.c.version_pk)
        .order_by(d.c.entity, d.c.title, c.c.idx)
    )
    return list(conn.execute(query))


def _categories_by_sha(conn: sa.Connection, shas: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """clause_sha256 → the categories of the analysis that stands for that text."""
    return {
        sha: tuple(sorted({str(c) for c in (found.data or {}).get("categories") or []}))
        for sha, found in standing_analyses(conn, shas).items()
    }


def _origin_shas(conn: sa.Connection, clause_pks: list[int]) -> dict[int, str]:
    """clause pk → the text hash of the clause whose analysis stands for it."""
    origins = {pk: analysis_origin(conn, pk) for pk in clause_pks}
    c = t.clauses
    query = sa.select(c.c.id, c.c.clause_sha256).where(c.c.id.in_(set(origins.values())))
    shas = {int(pk): str(sha) for pk, sha in conn.execute(query)}
    return {pk: shas[origin] for pk, origin in origins.items() if origin in shas}


def current_rows(conn: sa.Connection) -> list[ProvisionRow]:
    """Every current provision with its text, categories, heading path and document."""
    rows = [r for r in _current_clause_rows(conn) if not heading_only(r.text)]
    by_sha = _categories_by_sha(conn, (r.clause_sha256 for r in rows))
    missing = [int(r.id) for r in rows if r.clause_sha256 not in by_sha]
    origin_sha = _origin_shas(conn, missing) if missing else {}
    extra = _categories_by_sha(conn, set(origin_sha.values())) if origin_sha else {}
    out: list[ProvisionRow] = []
    for r in rows:
        codes = by_sha.get(r.clause_sha256)
        shas: tuple[str, ...] = (r.clause_sha256,)
        if codes is None:
            origin = origin_sha.get(int(r.id))
            codes = extra.get(origin or "", ())
            shas += (origin,) if origin else ()
        item = Item(r.provision_id, r.entity, r.title, r.text, codes)
        path = tuple(r.heading_path or ())
        out.append(ProvisionRow(item, r.document_id, path, int(r.idx), shas))
    return out


def provision_of_analysis(conn: sa.Connection, analysis_pk: int) -> str | None:
    """The current provision an analysis stands for, or None.

    None when the analysis's clause has no provision, the provision is not in the latest
    version of its document, or its current clause has another analysis (it was modified since).
    """
    a, c, p = t.analyses, t.clauses, t.provisions
    row = conn.execute(
        sa.select(a.c.clause_pk, a.c.clause_sha256).where(a.c.id == analysis_pk)
    ).first()
    if row is None:
        return None
    where = c.c.id == row.clause_pk if row.clause_pk else c.c.clause_sha256 == row.clause_sha256
    found = conn.execute(
        sa.select(p.c.id, p.c.provision_id, p.c.document_pk)
        .join(c, c.c.provision_pk == p.c.id)
        .where(where)
        .order_by(c.c.id.desc())
        .limit(1)
    ).first()
    if found is None:
        return None
    latest = latest_version(conn, int(found.document_pk))
    if latest is None:  # pragma: no cover - a provision's document has a version
        return None
    current = conn.execute(
        sa.select(c.c.id, c.c.clause_sha256).where(
            c.c.version_pk == latest.pk, c.c.provision_pk == found.id
        )
    ).first()
    if current is None:
        return None
    if current.clause_sha256 != row.clause_sha256:
        origin = analysis_origin(conn, int(current.id))
        sha = conn.execute(sa.select(c.c.clause_sha256).where(c.c.id == origin)).scalar()
        if sha != row.clause_sha256:
            return None
    return str(found.provision_id)


def store_fingerprint(conn: sa.Connection) -> str:
    """A hash of counts and maxima that move whenever the current items can have changed."""
    aggregates = [
        sa.select(sa.func.count(), sa.func.max(t.documents.c.id)).select_from(t.documents),
        sa.select(sa.func.count(), sa.func.max(t.versions.c.id)).select_from(t.versions),
        sa.select(sa.func.count(), sa.func.max(t.provisions.c.id)).select_from(t.provisions),
        sa.select(sa.func.count(), sa.func.max(t.clauses.c.id)).where(
            t.clauses.c.provision_pk.is_not(None)
        ),
        sa.select(sa.func.count(), sa.func.max(t.analyses.c.id)).where(
            t.analyses.c.status == "valid"
        ),
        # edits change categories and rejections change which analysis stands, and so can the
        # revert of either; approvals don't
        sa.select(sa.func.count(), sa.func.max(t.review_events.c.id)).where(
            t.review_events.c.action.in_(["edit", "reject", "revert"])
        ),
        sa.select(sa.func.count(), sa.func.max(t.changes.c.id)).select_from(t.changes),
    ]
    values: list[Any] = []
    for q in aggregates:
        values.extend(conn.execute(q).one())
    return hashlib.sha256(repr(values).encode()).hexdigest()[:32]


def describe_provisions(
    conn: sa.Connection, provision_ids: Iterable[str]
) -> dict[str, ProvisionRow]:
    """provision id → the provision as its latest clause shows it (categories left empty)."""
    c, p, d, v = t.clauses, t.provisions, t.documents, t.versions
    query = (
        sa.select(
            p.c.provision_id,
            c.c.idx,
            c.c.heading_path,
            c.c.text,
            d.c.entity,
            d.c.title,
            d.c.document_id,
        )
        .join(c, c.c.provision_pk == p.c.id)
        .join(v, v.c.id == c.c.version_pk)
        .join(d, d.c.id == p.c.document_pk)
        .where(p.c.provision_id.in_(sorted(set(provision_ids))))
        .order_by(*newest_first())
    )
    out: dict[str, ProvisionRow] = {}
    for r in conn.execute(query):
        if r.provision_id not in out:
            item = Item(r.provision_id, r.entity, r.title, r.text)
            out[r.provision_id] = ProvisionRow(
                item, r.document_id, tuple(r.heading_path or ()), int(r.idx)
            )
    return out
