"""Flatten export records into table rows: for CSV, Parquet and ``to_dataframe``.

Nested objects become columns joined with ``_`` (``analysis.institutional_analysis.
governance_exposure.level`` → ``analysis_institutional_analysis_governance_exposure_level``,
``review.status`` → ``review_status``). Every list (heading path, categories, flags, evidence
quotes, agencies, jurisdiction flags, recent changes, FAQ, similar provisions) is one column
holding a JSON array, so nothing is lost and a reader gets it back with ``json.loads``. A null
object (``cross_platform`` before the similarity stage) leaves its columns empty. The columns
are derived from the model, so an export with no records still has them all, in order.
"""

from __future__ import annotations

import json
import types
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Union, get_args, get_origin

import pandas as pd
from pydantic import BaseModel

from clauselens.schemas.export import ExportRecord


@dataclass(frozen=True)
class Column:
    name: str
    path: tuple[str, ...]
    as_json: bool  # a list: one JSON array


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (Union, types.UnionType):
        models = [a for a in get_args(annotation) if a is not type(None)]
        if len(models) == 1:
            return _nested_model(models[0])
    return None


def _columns(model: type[BaseModel], path: tuple[str, ...] = ()) -> list[Column]:
    out: list[Column] = []
    for name, info in model.model_fields.items():
        here = (*path, name)
        nested = _nested_model(info.annotation)
        if nested is not None:
            out.extend(_columns(nested, here))
        else:
            is_list = get_origin(info.annotation) is list
            out.append(Column("_".join(here), here, is_list))
    return out


COLUMNS: tuple[Column, ...] = tuple(_columns(ExportRecord))
COLUMN_NAMES: tuple[str, ...] = tuple(c.name for c in COLUMNS)
DATETIME_COLUMNS: tuple[str, ...] = (
    "review_reviewed_at",
    "first_tracked",
    "last_verified",
    "provenance_captured_at",
    "provenance_generated_at",
)


def flatten(record: ExportRecord) -> dict[str, Any]:
    """One row: JSON-mode values (datetimes as ISO 8601 strings), lists as JSON arrays."""
    data = record.model_dump(mode="json")
    row: dict[str, Any] = {}
    for column in COLUMNS:
        value: Any = data
        for key in column.path:
            value = value.get(key) if isinstance(value, dict) else None
        if column.as_json and value is not None:
            value = json.dumps(value, ensure_ascii=False)
        row[column.name] = value
    return row


def frame(rows: Iterable[dict[str, Any]], *, typed: bool = True) -> pd.DataFrame:
    """A DataFrame of flattened rows, every column present; ``typed`` parses the datetimes."""
    df = pd.DataFrame(list(rows), columns=list(COLUMN_NAMES))
    if typed:
        for name in DATETIME_COLUMNS:
            df[name] = pd.to_datetime(df[name], utc=True, format="ISO8601")
    return df
