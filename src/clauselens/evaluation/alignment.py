"""Alignment on labelled clause pairs: precision and recall of "same provision", class accuracy,
and the choice of the alignment thresholds (``config.AlignSettings``) on them.

The labelled set (``gold/alignment/pairs.jsonl``) keys every pair by its texts (old clause text,
new clause text, document, version files, heading paths), never by clause index, so it outlives
changes of segmentation: ``prepare`` segments each labelled version pair with the current
segmenter and finds each labelled text among the current clauses (``locate``: the same hash, the
same cosmetic form, else the clause whose cosmetic form is closest, rapidfuzz ``ratio`` >=
``LOCATE_MIN``). Pairs whose texts are not found are counted (``coverage``) and left out.

``score`` aligns every version pair with the given settings. A labelled pair is predicted "same
provision" when the aligner relates its two clauses (a carried pair, a split or merge part, a
boundary move); its predicted class is the pair's class (a split or merge part and a modified
pair that also moved count as ``modified``).

``choose`` runs a grid search, twice: within a cross-validation grouped by document (each
document held out in turn, the best settings on the others scored on it: the held-out figures)
and on all documents (the settings to ship). The objective is the F1 of "same provision", then
class accuracy.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz, process

from clauselens.config import AlignSettings, SegmentSettings
from clauselens.pipeline.segment.clauses import segment
from clauselens.pipeline.versions.align import AlignItem, align_clauses
from clauselens.pipeline.versions.changes import Pair
from clauselens.schemas.changes import ChangeClass
from clauselens.textnorm import clause_sha256, cosmetic_form

#: Lowest ``ratio`` of cosmetic forms at which a labelled text is found in a current clause.
LOCATE_MIN = 90.0

#: The grid ``choose`` searches (every combination).
GRID: dict[str, tuple[Any, ...]] = {
    "match_threshold": (50.0, 60.0, 70.0),
    "text_floor": (40.0, 50.0, 60.0),
    "text_weight": (0.8, 1.0),
    "position_weight": (0.0, 10.0, 20.0),
    "contained_threshold": (85.0, 90.0, 95.0),
}


@dataclass(frozen=True)
class LabelledPair:
    """One labelled pair, as read from the gold file."""

    id: str
    document: str
    from_version: str
    to_version: str
    old_text: str
    new_text: str
    same_provision: bool
    change_class: str | None
    reason: str | None
    old_position: float | None = None  # relative position (0-1) of each clause in its version
    new_position: float | None = None


def load_pairs(path: Path) -> list[LabelledPair]:
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return [
        LabelledPair(
            id=r["id"],
            document=r["document"],
            from_version=r["from_version"],
            to_version=r["to_version"],
            old_text=r["old_text"],
            new_text=r["new_text"],
            same_provision=bool(r["same_provision"]),
            change_class=r.get("change_class"),
            reason=r.get("reason"),
            old_position=r.get("old_position"),
            new_position=r.get("new_position"),
        )
        for r in rows
    ]


@dataclass
class VersionPair:
    """Two consecutive versions segmented now, with the labelled pairs located in them."""

    document: str
    old: list[AlignItem]
    new: list[AlignItem]
    located: list[tuple[LabelledPair, int, int]] = field(default_factory=list)


def _items(text: str, settings: SegmentSettings) -> list[AlignItem]:
    return [
        AlignItem(tuple(c.heading_path), c.text, c.clause_sha256) for c in segment(text, settings)
    ]


def locate(text: str, items: Sequence[AlignItem], position: float | None = None) -> int | None:
    """The index of the clause that holds ``text`` now (see the module docstring), or None.

    A text found more than once (a document that joins two pages with the same sections) is
    the occurrence nearest ``position``, the clause's relative place in its version."""

    def nearest(found: Sequence[int]) -> int | None:
        if not found:
            return None
        where = position if position is not None else 0.0
        return min(found, key=lambda k: (abs(k / max(len(items), 1) - where), k))

    sha = clause_sha256(text)
    exact = nearest([k for k, item in enumerate(items) if item.clause_sha256 == sha])
    if exact is not None:
        return exact
    form = cosmetic_form(text)
    forms = [cosmetic_form(item.text) for item in items]
    same = nearest([k for k, f in enumerate(forms) if f == form])
    if same is not None:
        return same
    close = process.extract(form, forms, scorer=fuzz.ratio, score_cutoff=LOCATE_MIN, limit=None)
    top = max((score for _, score, _ in close), default=None)
    return nearest([int(k) for _, score, k in close if score == top])


def prepare(
    pairs: Iterable[LabelledPair],
    history: Path,
    segment_settings: SegmentSettings | None = None,
) -> tuple[list[VersionPair], int]:
    """Version pairs with their located labelled pairs, and how many labelled pairs were
    located (the coverage)."""
    settings = segment_settings or SegmentSettings()
    groups: dict[tuple[str, str, str], list[LabelledPair]] = {}
    for p in pairs:
        groups.setdefault((p.document, p.from_version, p.to_version), []).append(p)
    out, found = [], 0
    for (document, a, b), labelled in sorted(groups.items()):
        old = _items((history / document / a).read_text("utf-8"), settings)
        new = _items((history / document / b).read_text("utf-8"), settings)
        vp = VersionPair(document, old, new)
        for p in labelled:
            i = locate(p.old_text, old, p.old_position)
            j = locate(p.new_text, new, p.new_position)
            if i is not None and j is not None:
                vp.located.append((p, i, j))
        found += len(vp.located)
        out.append(vp)
    return out, found


@dataclass
class Scores:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    class_right: int = 0
    class_total: int = 0
    reason_right: int = 0
    reason_total: int = 0

    def __iadd__(self, other: Scores) -> Scores:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def class_accuracy(self) -> float:
        return self.class_right / self.class_total if self.class_total else 0.0

    @property
    def reason_accuracy(self) -> float:
        return self.reason_right / self.reason_total if self.reason_total else 0.0


def predicted_class(pair: Pair) -> str:
    """The class a labelled pair is compared with (see the module docstring)."""
    if pair.change in (ChangeClass.ADDED, ChangeClass.REMOVED):
        return ChangeClass.MODIFIED.value  # a split or merge part
    return pair.change.value


def _related(pairs: Sequence[Pair]) -> dict[tuple[int, int], Pair]:
    return {(p.old, p.new): p for p in pairs if p.old is not None and p.new is not None}


def score_pair(vp: VersionPair, settings: AlignSettings) -> Scores:
    related = _related(align_clauses(vp.old, vp.new, settings))
    s = Scores()
    for labelled, i, j in vp.located:
        pair = related.get((i, j))
        if labelled.same_provision and pair is not None:
            s.tp += 1
            s.class_total += 1
            s.class_right += predicted_class(pair) == labelled.change_class
            if labelled.change_class == ChangeClass.COSMETIC.value:
                s.reason_total += 1
                s.reason_right += (
                    pair.change is ChangeClass.COSMETIC and pair.relation == labelled.reason
                )
        elif labelled.same_provision:
            s.fn += 1
        elif pair is not None:
            s.fp += 1
        else:
            s.tn += 1
    return s


def score(version_pairs: Iterable[VersionPair], settings: AlignSettings) -> Scores:
    total = Scores()
    for vp in version_pairs:
        total += score_pair(vp, settings)
    return total


def grid(base: AlignSettings | None = None) -> list[AlignSettings]:
    base = base or AlignSettings()
    names = list(GRID)
    return [
        base.model_copy(update=dict(zip(names, values, strict=True)))
        for values in itertools.product(*(GRID[n] for n in names))
    ]


def _objective(s: Scores) -> tuple[float, float]:
    return (round(s.f1, 6), round(s.class_accuracy, 6))


@dataclass
class Choice:
    settings: AlignSettings
    in_sample: Scores
    held_out: Scores
    folds: list[tuple[str, AlignSettings, Scores]]


def choose(version_pairs: Sequence[VersionPair], candidates: Sequence[AlignSettings]) -> Choice:
    """Grid search with leave-one-document-out cross-validation (module docstring)."""
    per_doc: dict[str, list[VersionPair]] = {}
    for vp in version_pairs:
        per_doc.setdefault(vp.document, []).append(vp)
    # scores[c][doc]: every candidate on every document, computed once
    scores = [{doc: score(vps, c) for doc, vps in per_doc.items()} for c in candidates]

    def total(k: int, docs: Iterable[str]) -> Scores:
        out = Scores()
        for doc in docs:
            out += scores[k][doc]
        return out

    folds, held_out = [], Scores()
    for doc in per_doc:
        others = [d for d in per_doc if d != doc]
        best = max(range(len(candidates)), key=lambda k: (_objective(total(k, others)), -k))
        folds.append((doc, candidates[best], scores[best][doc]))
        held_out += scores[best][doc]
    best = max(range(len(candidates)), key=lambda k: (_objective(total(k, per_doc)), -k))
    return Choice(candidates[best], total(best, per_doc), held_out, folds)
