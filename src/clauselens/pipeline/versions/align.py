"""Align: give each clause of a version its provision (the clause's identity across versions).

The clauses of a version are aligned with those of the version before it (by ``captured_at``);
an aligned clause inherits its provision, any other clause starts a new provision whose
``provision_id`` is derived from content (document id, clause hash, occurrence), so the same
captures give the same ids on every machine. ``align_clauses`` is the pure algorithm;
``align_version`` applies it to the store and records the changes (``pipeline.changes``).

The algorithm, in passes over the clauses not yet matched (each clause is matched at most once).
Every threshold is a field of ``config.AlignSettings`` (defaults in brackets), chosen on the
labelled pairs of ``gold/alignment`` (``bench/changes.py``):

1. Exact: equal ``clause_sha256``; the k-th old occurrence of a hash pairs with the k-th new one.
2. Cosmetic: equal ``cosmetic_form`` (``textnorm``), paired the same way.
3. Similar: score = ``text_weight`` (1.0) x text similarity + the rest x heading-path similarity
   (rapidfuzz ``ratio`` on cosmetic forms, 0-100), less ``position_weight`` (0) x the drift of
   relative positions (0-1). A pair is a candidate when score >=
   ``match_threshold`` (50) and text similarity >= ``text_floor`` (40); candidates are taken
   greedily, best score first, ties broken by closeness of relative position, then by index.
4. Splits and merges: a clause still unmatched whose cosmetic form lies inside a clause of the
   other version (rapidfuzz ``partial_ratio`` >= ``contained_threshold``, 85, and at least
   ``contained_min_chars``, 40) is part of a split (new inside old) or a merge (old inside
   new). If that other clause is itself unmatched the two are paired (the provision carries
   over, class ``modified``); otherwise the part is ``added`` (split) or ``removed`` (merge)
   with ``relation`` naming it and the other clause recorded, so lineage is kept while every
   provision stays one clause per version.

Work is bounded on huge clauses (a table or a paragraph of megabytes is one block, never cut):
``ratio`` and ``partial_ratio`` cost the product of the two lengths, so a text over
``compare_max_chars`` is compared by its first and last halves of that bound, and containment in
a text over that length is an exact substring test of the cosmetic forms.

Order: the longest increasing subsequence of old indices over the matched pairs (taken in new
order) is "in place"; a matched pair outside it has moved relative to its neighbours. Classes:
exact in place ``unchanged``; exact out of place ``moved``; a cosmetic or similar pair with a
cosmetic reason (``versions.cosmetic``: ``format``, ``links``, ``renumbered``, ``spelling``,
recorded as ``relation``) is ``cosmetic`` in place and ``moved`` out of place; other similar
pairs ``modified`` (``relation="moved"`` when also out of place). Last, ``versions.boundaries``
turns modified, added and removed clauses whose text only moved (a section moved and the clause
boundaries shifted) into ``moved`` with ``relation="boundaries"``.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa
from rapidfuzz import fuzz, process

from clauselens.config import AlignSettings
from clauselens.pipeline.versions import changes, upgrades
from clauselens.pipeline.versions.boundaries import boundary_moves
from clauselens.pipeline.versions.changes import Pair
from clauselens.pipeline.versions.cosmetic import cosmetic_reason
from clauselens.schemas.changes import ChangeClass
from clauselens.store import insert_pk
from clauselens.store import tables as t
from clauselens.store.queries import next_version, previous_version
from clauselens.textnorm import cosmetic_form


@dataclass(frozen=True)
class AlignItem:
    """What alignment needs of a clause."""

    heading_path: tuple[str, ...]
    text: str
    clause_sha256: str


@dataclass
class _Match:
    old: int
    kind: str  # exact | cosmetic | similar | split | merge
    similarity: float


def _pair_equal(
    old: Sequence[Hashable],
    new: Sequence[Hashable],
    free_old: set[int],
    matches: dict[int, _Match],
    kind: str,
) -> None:
    waiting: dict[Hashable, list[int]] = defaultdict(list)
    for i, key in enumerate(old):
        if i in free_old:
            waiting[key].append(i)
    for j, key in enumerate(new):
        if j not in matches and waiting.get(key):
            i = waiting[key].pop(0)
            free_old.discard(i)
            matches[j] = _Match(i, kind, 100.0)


def _similar(
    old: Sequence[AlignItem],
    new: Sequence[AlignItem],
    free_old: set[int],
    matches: dict[int, _Match],
    settings: AlignSettings,
) -> None:
    olds = sorted(free_old)
    news = [j for j in range(len(new)) if j not in matches]
    if not olds or not news:
        return
    text = process.cdist(
        [_sample(cosmetic_form(new[j].text), settings) for j in news],
        [_sample(cosmetic_form(old[i].text), settings) for i in olds],
        scorer=fuzz.ratio,
    )
    heads = process.cdist(
        [cosmetic_form(" / ".join(new[j].heading_path)) for j in news],
        [cosmetic_form(" / ".join(old[i].heading_path)) for i in olds],
        scorer=fuzz.ratio,
    )
    candidates = []
    for a, j in enumerate(news):
        for b, i in enumerate(olds):
            sim = float(text[a][b])
            weight = settings.text_weight
            drift = abs(j / max(len(new), 1) - i / max(len(old), 1))
            score = weight * sim + (1 - weight) * float(heads[a][b])
            score -= settings.position_weight * drift
            if score >= settings.match_threshold and sim >= settings.text_floor:
                candidates.append((-score, drift, j, i, sim))
    for _, _, j, i, sim in sorted(candidates):
        if j not in matches and i in free_old:
            free_old.discard(i)
            matches[j] = _Match(i, "similar", sim)


def _sample(form: str, settings: AlignSettings) -> str:
    """The part of a cosmetic form that similarity reads: all of it, or both ends of a huge one."""
    if len(form) <= settings.compare_max_chars:
        return form
    half = settings.compare_max_chars // 2
    return form[:half] + form[-half:]


@lru_cache(maxsize=16384)
def _words(form: str) -> frozenset[str]:
    return frozenset(form.split())


@lru_cache(maxsize=4096)
def _word_sample(words: frozenset[str]) -> frozenset[str]:
    """``floor(0.2 n) + 1`` of the ``n`` words (the longest, then in order): a whole sharing none
    of them misses more than 20% of the words, so ``_contained`` can stop without the full set
    difference. Any such subset would do; long words are the rarest, so they fail fastest."""
    size = int(0.2 * len(words)) + 1
    return frozenset(sorted(words, key=lambda w: (-len(w), w))[:size])


def _contained(part: str, words: frozenset[str], whole: str, settings: AlignSettings) -> float:
    """How far the cosmetic form ``part`` (its ``words``) stands inside the form ``whole``."""
    if len(part) >= len(whole):
        return 0.0
    known = _words(whole)
    if len(known) < 0.8 * len(words):  # cannot hold 80% of the words: no set difference needed
        return 0.0
    if known.isdisjoint(_word_sample(words)):  # then over 20% of the words miss (``_word_sample``)
        return 0.0
    if len(words - known) > 0.2 * len(words):  # cheap filter before partial_ratio
        return 0.0
    if len(whole) > settings.compare_max_chars:  # partial_ratio costs len(part) x len(whole)
        return 100.0 if part in whole else 0.0
    return float(fuzz.partial_ratio(part, whole, score_cutoff=settings.contained_threshold))


def _best_container(
    part: str, wholes: Sequence[AlignItem], settings: AlignSettings
) -> tuple[int, float] | None:
    form = cosmetic_form(part)
    if len(form) < settings.contained_min_chars:
        return None
    words = _words(form)
    scored = [
        (_contained(form, words, cosmetic_form(w.text), settings), -k) for k, w in enumerate(wholes)
    ]
    best = max(scored, default=(0.0, 0))
    return (-best[1], best[0]) if best[0] >= settings.contained_threshold else None


def _in_place(matches: dict[int, _Match]) -> set[int]:
    """New indices of the matched pairs on the longest increasing run of old indices."""
    order = sorted(matches)
    tails: list[int] = []  # old index ending the best run of each length
    tail_at: list[int] = []  # position in ``order`` of that tail
    back: list[int] = [-1] * len(order)
    for pos, j in enumerate(order):
        k = bisect_left(tails, matches[j].old)
        if k == len(tails):
            tails.append(matches[j].old)
            tail_at.append(pos)
        else:
            tails[k] = matches[j].old
            tail_at[k] = pos
        back[pos] = tail_at[k - 1] if k else -1
    keep: set[int] = set()
    pos = tail_at[-1] if tail_at else -1
    while pos >= 0:
        keep.add(order[pos])
        pos = back[pos]
    return keep


def _classify(m: _Match, in_place: bool, reason: str | None) -> tuple[ChangeClass, str | None]:
    """The class of a matched pair; ``reason`` is the pair's cosmetic reason, if any."""
    if reason is not None and m.kind in ("cosmetic", "similar"):
        return (ChangeClass.COSMETIC, reason) if in_place else (ChangeClass.MOVED, reason)
    table: dict[tuple[str, bool], tuple[ChangeClass, str | None]] = {
        ("exact", True): (ChangeClass.UNCHANGED, None),
        ("exact", False): (ChangeClass.MOVED, None),
        ("cosmetic", True): (ChangeClass.COSMETIC, None),
        ("cosmetic", False): (ChangeClass.MOVED, "cosmetic"),
        ("similar", True): (ChangeClass.MODIFIED, None),
        ("similar", False): (ChangeClass.MODIFIED, "moved"),
        ("split", True): (ChangeClass.MODIFIED, "split"),
        ("split", False): (ChangeClass.MODIFIED, "split"),
        ("merge", True): (ChangeClass.MODIFIED, "merge"),
        ("merge", False): (ChangeClass.MODIFIED, "merge"),
    }
    return table[(m.kind, in_place)]


def align_clauses(
    old: Sequence[AlignItem],
    new: Sequence[AlignItem],
    settings: AlignSettings | None = None,
) -> list[Pair]:
    """Align two versions' clauses; every old and every new index appears in exactly one pair."""
    settings = settings or AlignSettings()
    matches: dict[int, _Match] = {}
    free_old = set(range(len(old)))
    _pair_equal(
        [c.clause_sha256 for c in old], [c.clause_sha256 for c in new], free_old, matches, "exact"
    )
    _pair_equal(
        [cosmetic_form(c.text) for c in old],
        [cosmetic_form(c.text) for c in new],
        free_old,
        matches,
        "cosmetic",
    )
    _similar(old, new, free_old, matches, settings)
    pairs: list[Pair] = []
    for j in range(len(new)):  # splits: an unmatched new clause inside an old clause
        if j in matches:
            continue
        found = _best_container(new[j].text, old, settings)
        if found is None:
            pairs.append(Pair(None, j, ChangeClass.ADDED, None))
        elif found[0] in free_old:
            free_old.discard(found[0])
            matches[j] = _Match(found[0], "split", found[1])
        else:
            pairs.append(Pair(found[0], j, ChangeClass.ADDED, found[1] / 100, "split", False))
    for i in sorted(free_old):  # merges: an unmatched old clause inside a new clause
        found = _best_container(old[i].text, new, settings)
        if found is None:
            pairs.append(Pair(i, None, ChangeClass.REMOVED, None))
        elif found[0] not in matches:
            matches[found[0]] = _Match(i, "merge", found[1])
            pairs = [p for p in pairs if p.new != found[0]]
        else:
            pairs.append(Pair(i, found[0], ChangeClass.REMOVED, found[1] / 100, "merge", False))
    keep = _in_place(matches)
    split_from = {p.old for p in pairs if p.relation == "split"}
    merged_into = {p.new for p in pairs if p.relation == "merge"}
    for j, m in matches.items():
        reason = (
            cosmetic_reason(old[m.old].text, new[j].text, settings)
            if m.kind in ("cosmetic", "similar")
            else None
        )
        change, relation = _classify(m, j in keep, reason)
        if change is ChangeClass.MODIFIED and relation in (None, "moved"):
            # the kept part of a split (or the clause others merged into) says so
            relation = "split" if m.old in split_from else "merge" if j in merged_into else relation
        pairs.append(Pair(m.old, j, change, m.similarity / 100, relation, True))
    if settings.boundary_moves:
        pairs = boundary_moves([c.text for c in old], [c.text for c in new], pairs)
    return sorted(pairs, key=_pair_order)


def _pair_order(p: Pair) -> tuple[int, int]:
    return (p.new if p.new is not None else -1, p.old if p.old is not None else -1)


def provision_id_for(document_id: str, clause_sha256: str, occurrence: int) -> str:
    key = f"{document_id}\x1f{clause_sha256}\x1f{occurrence}".encode()
    return "CL-P-" + hashlib.sha256(key).hexdigest()[:10]


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
    return insert_pk(
        conn, p.insert().values(provision_id=pid, document_pk=doc_pk, first_version_pk=version_pk)
    )


@dataclass(frozen=True)
class StoredClause:
    pk: int
    item: AlignItem
    provision_pk: int | None


def stored_clauses(conn: sa.Connection, version_pk: int) -> list[StoredClause]:
    c = t.clauses
    rows = conn.execute(
        sa.select(c.c.id, c.c.heading_path, c.c.text, c.c.clause_sha256, c.c.provision_pk)
        .where(c.c.version_pk == version_pk)
        .order_by(c.c.idx)
    )
    return [
        StoredClause(
            int(r.id),
            AlignItem(
                tuple(str(h) for h in (r.heading_path if isinstance(r.heading_path, list) else [])),
                r.text,
                r.clause_sha256,
            ),
            int(r.provision_pk) if r.provision_pk is not None else None,
        )
        for r in rows
    ]


def align_version(
    conn: sa.Connection, version_pk: int, settings: AlignSettings | None = None
) -> None:
    """Assign a provision to every clause of ``version_pk`` and record its changes.

    Idempotent. When the assignment differs from what was stored (a late-arriving older
    version), the next version is re-aligned in turn, and provisions left without clauses are
    deleted.
    """
    touched: list[int] = []
    current: int | None = version_pk
    while current is not None:
        touched.append(current)
        if not _align_one(conn, current, settings):
            break
        following = next_version(conn, current)
        current = following.pk if following is not None else None
    changes.drop_orphan_provisions(conn, touched)


_ASSIGN = (
    t.clauses.update()
    .where(t.clauses.c.id == sa.bindparam("b_pk"))
    .values(provision_pk=sa.bindparam("b_provision"))
)


def _align_one(conn: sa.Connection, version_pk: int, settings: AlignSettings | None) -> bool:
    """Align one version; True when any of its clauses changed provision."""
    v, d = t.versions, t.documents
    doc_pk, document_id = conn.execute(
        sa.select(v.c.document_pk, d.c.document_id)
        .join(d, d.c.id == v.c.document_pk)
        .where(v.c.id == version_pk)
    ).one()
    previous = previous_version(conn, version_pk)
    prev = previous.pk if previous is not None else None
    old_rows = stored_clauses(conn, prev) if prev is not None else []
    new_rows = stored_clauses(conn, version_pk)
    pairs = align_clauses([r.item for r in old_rows], [r.item for r in new_rows], settings)
    if upgrades.change_reason(conn, version_pk) is not None:  # a technical upgrade
        pairs = upgrades.as_technical(pairs)
    assigned: list[dict[str, int]] = []
    for pair in pairs:
        if pair.new is None:
            continue
        row = new_rows[pair.new]
        inherited = (
            old_rows[pair.old].provision_pk if pair.old is not None and pair.carries else None
        )
        provision_pk = (
            int(inherited)
            if inherited is not None
            else _reuse_or_new(conn, doc_pk, document_id, version_pk, row)
        )
        if row.provision_pk != provision_pk:
            assigned.append({"b_pk": row.pk, "b_provision": provision_pk})
    if assigned:  # one executemany, not a statement per clause
        conn.execute(_ASSIGN, assigned)
    changes.record_changes(
        conn, doc_pk, prev, version_pk, pairs, [r.pk for r in old_rows], [r.pk for r in new_rows]
    )
    conn.execute(v.update().where(v.c.id == version_pk).values(aligned=True))
    return bool(assigned)


def _reuse_or_new(
    conn: sa.Connection,
    doc_pk: int,
    document_id: str,
    version_pk: int,
    row: StoredClause,
) -> int:
    """A clause that starts a provision keeps the one it started before (idempotence)."""
    p = t.provisions
    if row.provision_pk is not None:
        first = conn.execute(
            sa.select(p.c.first_version_pk).where(p.c.id == row.provision_pk)
        ).scalar_one_or_none()
        if first == version_pk:
            return row.provision_pk
    return _new_provision(conn, doc_pk, document_id, version_pk, row.item.clause_sha256)
