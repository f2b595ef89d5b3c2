"""Gold sets: the labelled data an evaluation scores against, their formats and where they live.

Three formats, one JSON object per line (JSONL), each with a JSON Schema in ``gold/schemas``
made from the models below (``tests/test_eval_gold.py`` keeps them equal):

- ``categories``: labelled sentences (``CategorySentence``): the taxonomy codes that apply;
  an empty list is a sentence with none of the set's codes (the scored codes are those the set
  uses, so an analyzer is not penalised for codes the labels never consider);
- ``provisions``: labelled clauses (``GoldProvision``): categories required and acceptable,
  acceptable severities, and the knowledge-base agencies and regulations a careful analyst
  could name (``plausible``) or that would clearly be wrong (``wrong``); any other id is
  neither credited nor penalised;
- ``similarity``: ToS;DR-style points (``SimilarityPoint``): quotes of different services that
  illustrate the same case are similar provisions.

The built-in sets are the files of the repository's ``gold/`` folder (``CLAUSELENS_GOLD`` names
another folder); ``--gold FILE`` loads any file in one of the formats.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from clauselens.analyzers.offline.knowledge import knowledge_base_text, parse_knowledge_base
from clauselens.errors import UsageError
from clauselens.schemas.analysis import CategoryCode, Level

Kind = Literal["categories", "provisions", "similarity"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CategorySentence(_Strict):
    """A sentence and the taxonomy codes that apply to it."""

    id: str
    text: str = Field(min_length=1)
    categories: list[CategoryCode]
    doc: str = ""
    sentence_index: int | None = None
    claudette_codes: list[str] = []


class GoldCategories(_Strict):
    required: list[CategoryCode] = Field(description="Codes that clearly apply.")
    acceptable: list[CategoryCode] = Field(
        default=[], description="Codes also defensible: not required, not penalised."
    )


class Named(_Strict):
    """Knowledge-base ids (``data/knowledge_base.json``) an analysis may name."""

    plausible: list[str] = Field(default=[], description="Ids a careful analyst could name.")
    wrong: list[str] = Field(default=[], description="Ids clearly wrong for this clause.")


class GoldProvision(_Strict):
    """A clause labelled by reading it."""

    id: str
    text: str = Field(min_length=1)
    service: str
    document: str = ""
    terms_type: str = ""
    captured_at: str | None = None
    heading_path: list[str] = []
    kind: Literal["plain", "hook"] = "hook"
    categories: GoldCategories
    severity: list[Level] = Field(min_length=1, description="Every defensible severity.")
    agencies: Named
    regulations: Named
    rationale: str

    @model_validator(mode="after")
    def _known_ids(self) -> GoldProvision:
        agencies, regulations = knowledge_base_ids()
        for field, named, known in (
            ("agencies", self.agencies, agencies),
            ("regulations", self.regulations, regulations),
        ):
            unknown = sorted(set(named.plausible + named.wrong) - known)
            if unknown:
                raise ValueError(f"{field}: not knowledge-base ids: {', '.join(unknown)}")
            both = sorted(set(named.plausible) & set(named.wrong))
            if both:
                raise ValueError(f"{field}: both plausible and wrong: {', '.join(both)}")
        return self


class SimilarityPoint(_Strict):
    """A quote of one service's terms and the service-independent case it illustrates."""

    point_id: str
    service: str
    case: str
    text: str = Field(min_length=1)


MODELS: dict[Kind, type[_Strict]] = {
    "categories": CategorySentence,
    "provisions": GoldProvision,
    "similarity": SimilarityPoint,
}


def json_schema(kind: Kind) -> dict[str, object]:
    """The JSON Schema of one line of a gold file of ``kind`` (``gold/schemas/``)."""
    schema = MODELS[kind].model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"clauselens gold {kind}: one JSON object per line"
    return schema


@cache
def knowledge_base_ids() -> tuple[frozenset[str], frozenset[str]]:
    """(agency ids, regulation ids) of the shipped knowledge base."""
    kb = parse_knowledge_base(knowledge_base_text())
    return frozenset(a.id for a in kb.agencies), frozenset(r.id for r in kb.regulations)


@dataclass(frozen=True)
class GoldSet:
    name: str
    kind: Kind
    path: Path
    items: tuple[CategorySentence | GoldProvision | SimilarityPoint, ...]

    def provisions(self) -> dict[str, GoldProvision]:
        """The set's provisions by id, in file order (empty for other kinds)."""
        return {i.id: i for i in self.items if isinstance(i, GoldProvision)}


# name: (file under the gold folder, kind); a ``*_standard`` set is the same clauses as the set
# before the underscore, read again under the written labelling standard (gold/STANDARD.md)
BUILTIN: dict[str, tuple[str, Kind]] = {
    "categories": ("categories.jsonl", "categories"),
    "provisions": ("provisions.jsonl", "provisions"),
    "holdout": ("provisions_holdout.jsonl", "provisions"),
    "provisions_standard": ("provisions_standard.jsonl", "provisions"),
    "holdout_standard": ("provisions_holdout_standard.jsonl", "provisions"),
    "reference": ("reference.jsonl", "provisions"),
    "similarity": ("similarity/tosdr_points.jsonl", "similarity"),
}


def gold_folder() -> Path:
    """``CLAUSELENS_GOLD``, else the repository's ``gold/`` folder beside ``src/``."""
    env = os.environ.get("CLAUSELENS_GOLD")
    folder = Path(env) if env else Path(__file__).resolve().parents[3] / "gold"
    if not folder.is_dir():
        raise UsageError(
            f"the gold sets are not at {folder}: run from a clone of the repository, set "
            "CLAUSELENS_GOLD to a gold folder, or pass --gold FILE"
        )
    return folder


def detect_kind(row: dict[str, object]) -> Kind:
    """The format of a gold file, from the fields of its first row."""
    if "case" in row and "point_id" in row:
        return "similarity"
    if "severity" in row or "agencies" in row:
        return "provisions"
    if "categories" in row and "text" in row:
        return "categories"
    raise UsageError(
        "not a gold file: the first row has none of the fields of the categories, provisions "
        "or similarity formats (see gold/README.md)"
    )


def load_gold(path: Path, name: str | None = None, kind: Kind | None = None) -> GoldSet:
    """Read and validate a gold file; every bad line is reported with its number."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read the gold file {path}: {exc}") from exc
    rows: list[tuple[int, dict[str, object]]] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise UsageError(f"{path}:{number}: not JSON ({exc.msg})") from exc
        if not isinstance(row, dict):
            raise UsageError(f"{path}:{number}: a line must be a JSON object")
        rows.append((number, row))
    if not rows:
        raise UsageError(f"the gold file {path} has no items")
    kind = kind or detect_kind(rows[0][1])
    model = MODELS[kind]
    items = []
    ids: set[str] = set()
    for number, row in rows:
        try:
            item = model.model_validate(row)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "(row)"
            raise UsageError(f"{path}:{number}: {where}: {first['msg']}") from exc
        key = item.point_id if isinstance(item, SimilarityPoint) else item.id  # type: ignore[attr-defined]
        if key in ids:
            raise UsageError(f"{path}:{number}: duplicate id {key!r}")
        ids.add(key)
        items.append(item)
    return GoldSet(name or path.stem, kind, path, tuple(items))  # type: ignore[arg-type]


def builtin_sets(names: list[str] | None = None) -> list[GoldSet]:
    """The built-in sets asked for (all of them by default), in ``BUILTIN`` order."""
    chosen = names or list(BUILTIN)
    unknown = [n for n in chosen if n not in BUILTIN]
    if unknown:
        raise UsageError(
            f"unknown gold set {', '.join(unknown)}: choose among {', '.join(BUILTIN)}"
        )
    folder = gold_folder()
    return [
        load_gold(folder / BUILTIN[name][0], name, BUILTIN[name][1])
        for name in BUILTIN
        if name in chosen
    ]
