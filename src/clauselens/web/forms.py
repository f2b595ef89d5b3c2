"""The edit form of an analysis, and the clause text with its evidence quotes highlighted.

``FIELDS`` lists every ``ClauseAnalysis`` field with the control that edits it. Each control
kind has a pair of converters in ``CONTROLS`` (value → form text, form text → value): enums are
selects, lists of strings are one-per-line textareas, lists of objects are one-per-line
textareas with ``|`` between the parts. ``patch_from_form`` turns a submitted form into the
patch of changed fields that ``review.edit`` validates.

``highlight`` escapes the clause text piece by piece and wraps the quoted passages in
``<mark>``: no text from the store ever reaches the page unescaped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from clauselens.errors import ReviewError
from clauselens.schemas import load_taxonomy

LEVELS = ("high", "medium", "low")
EVIDENCE_TYPES = ("explicit_language", "implied", "absent")


@dataclass(frozen=True)
class FieldSpec:
    """One editable field: its dotted path, label and control."""

    path: str
    label: str
    control: str  # text | long | select | lines | rows | optional
    options: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    hint: str = ""

    @property
    def name(self) -> str:
        return "f." + self.path


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("title", "Title", "text"),
    FieldSpec("summary", "What it is", "long"),
    FieldSpec("why_it_matters", "Why it matters", "long"),
    FieldSpec("consumer_impact", "Consumer impact", "long"),
    FieldSpec("severity", "Severity", "select", LEVELS),
    FieldSpec("confidence", "Confidence", "select", LEVELS),
    FieldSpec("confidence_rationale", "Confidence rationale", "long"),
    FieldSpec("evidence_type", "Evidence type", "select", EVIDENCE_TYPES),
    FieldSpec(
        "evidence_quotes",
        "Evidence quotes",
        "lines",
        hint="One per line, verbatim from the clause.",
    ),
    FieldSpec("categories", "Categories", "lines", hint="One code per line."),
    FieldSpec("institutional_analysis.regulatory_landscape", "Regulatory landscape", "long"),
    FieldSpec(
        "institutional_analysis.governance_exposure.level", "Governance exposure", "select", LEVELS
    ),
    FieldSpec("institutional_analysis.governance_exposure.rationale", "Exposure rationale", "long"),
    FieldSpec(
        "institutional_analysis.jurisdiction_flags",
        "Jurisdiction flags",
        "rows",
        columns=("jurisdiction", "note"),
        hint="One per line: jurisdiction | note",
    ),
    FieldSpec(
        "institutional_analysis.contract_and_vendor_implications",
        "Contract and vendor implications",
        "long",
    ),
    FieldSpec(
        "institutional_analysis.compliance_considerations", "Compliance considerations", "long"
    ),
    FieldSpec(
        "applicable_agencies",
        "Applicable agencies",
        "rows",
        columns=("name", "jurisdiction", "authority"),
        hint="One per line: name | jurisdiction | authority",
    ),
    FieldSpec(
        "truncation_note", "Truncation note", "optional", hint="Leave empty unless truncated."
    ),
)


def get_path(data: Mapping[str, Any], path: str) -> Any:
    value: Any = data
    for part in path.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _rows_to_form(spec: FieldSpec, value: Any) -> str:
    return "\n".join(" | ".join(str(row.get(c, "")) for c in spec.columns) for row in value or [])


def _rows_from_form(spec: FieldSpec, text: str) -> list[dict[str, str]]:
    rows, problems = [], []
    for number, line in enumerate(_lines(text), 1):
        parts = [p.strip() for p in line.split("|", len(spec.columns) - 1)]
        if len(parts) != len(spec.columns):
            problems.append(f"{spec.path} line {number}: expected {' | '.join(spec.columns)}")
            continue
        rows.append(dict(zip(spec.columns, parts, strict=True)))
    if problems:
        raise ReviewError("edit refused: a list is not in the expected form", problems)
    return rows


ToForm = Callable[[FieldSpec, Any], str]
FromForm = Callable[[FieldSpec, str], Any]

CONTROLS: dict[str, tuple[ToForm, FromForm]] = {
    "text": (lambda s, v: str(v or ""), lambda s, t: t.strip()),
    "long": (lambda s, v: str(v or ""), lambda s, t: t.replace("\r\n", "\n").strip()),
    "select": (lambda s, v: str(v or ""), lambda s, t: t.strip()),
    "lines": (lambda s, v: "\n".join(str(x) for x in v or []), lambda s, t: _lines(t)),
    "rows": (_rows_to_form, _rows_from_form),
    "optional": (
        lambda s, v: "" if v is None else str(v),
        lambda s, t: t.replace("\r\n", "\n").strip() or None,
    ),
}


def form_values(analysis: Mapping[str, Any]) -> dict[str, str]:
    """The form text of every field, from an analysis."""
    return {
        spec.name: CONTROLS[spec.control][0](spec, get_path(analysis, spec.path)) for spec in FIELDS
    }


def patch_from_form(analysis: Mapping[str, Any], form: Mapping[str, Any]) -> dict[str, Any]:
    """The fields whose submitted value differs from ``analysis``, as a dotted-path patch."""
    patch: dict[str, Any] = {}
    for spec in FIELDS:
        raw = form.get(spec.name)
        if not isinstance(raw, str):
            continue
        value = CONTROLS[spec.control][1](spec, raw)
        if value != get_path(analysis, spec.path):
            patch[spec.path] = value
    return patch


def category_codes() -> list[str]:
    return sorted(load_taxonomy().codes)


# --- highlighting ---------------------------------------------------------------------------

_QUOTE_MARKS = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'})
_CHAR_CLASSES = {"'": "['‘’]", '"': '["“”]'}


def _quote_pattern(quote: str) -> str | None:
    words = quote.translate(_QUOTE_MARKS).split()
    if not words:
        return None
    return r"\s+".join(
        "".join(_CHAR_CLASSES.get(ch, re.escape(ch)) for ch in word) for word in words
    )


def quote_spans(text: str, quotes: list[str]) -> list[tuple[int, int]]:
    """Where the quotes occur in ``text`` (whitespace and quote marks loosely), merged."""
    spans: list[tuple[int, int]] = []
    for quote in quotes:
        pattern = _quote_pattern(quote)
        if pattern:
            spans += [(m.start(), m.end()) for m in re.finditer(pattern, text)]
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight(text: str, quotes: list[str]) -> Markup:
    """``text`` escaped, with each quoted passage wrapped in ``<mark>``."""
    out: list[str] = []
    position = 0
    for start, end in quote_spans(text, quotes):
        out.append(escape(text[position:start]))
        out.append(Markup("<mark>") + escape(text[start:end]) + Markup("</mark>"))
        position = end
    out.append(escape(text[position:]))
    return Markup("").join(out)
