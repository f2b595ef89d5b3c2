"""The two validation layers every analysis passes, from the model or from an analyst's edit.

1. The schema: ``ClauseAnalysis`` (Pydantic, ``extra="forbid"``).
2. Semantic checks with the clause as context: every evidence quote occurs in the clause after
   whitespace (and quote-mark) normalisation; a truncation note is present exactly when the input
   was truncated; categories are in the taxonomy; the title is short; explicit-language evidence
   comes with at least one quote.

``validate_analysis`` raises ``InvalidAnalysis`` carrying every problem found, worded so that
the model (in a re-ask) or an analyst (for an edit) can fix them.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import ValidationError

from clauselens.schemas import ChangeAnalysis, ClauseAnalysis, load_taxonomy
from clauselens.textnorm import normalise_whitespace

MAX_TITLE_WORDS = 15

_QUOTE_MARKS = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "\u00a0": " "})


class InvalidAnalysis(ValueError):
    """An answer failed validation. ``kind`` is ``schema_invalid`` or ``semantic_invalid``."""

    def __init__(self, kind: str, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.kind = kind
        self.errors = errors


def comparable(text: str) -> str:
    """The form in which quotes are compared with clause text."""
    return normalise_whitespace(text.translate(_QUOTE_MARKS))


def quote_in_text(quote: str, text: str) -> bool:
    needle = comparable(quote)
    return bool(needle) and needle in comparable(text)


def _schema_errors(exc: ValidationError) -> list[str]:
    errors = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(root)"
        errors.append(f"{where}: {err['msg']}")
    return errors


def _not_json(text: str) -> InvalidAnalysis | None:
    """The error for text that is not JSON at all (worded by ``json``), or None."""
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        return InvalidAnalysis("schema_invalid", [f"the answer is not valid JSON: {exc}"])
    return None


def parse_analysis(payload: str | dict[str, Any]) -> ClauseAnalysis:
    """Layer 1: parse JSON text or a dict into ``ClauseAnalysis``.

    JSON text is parsed and validated in one pass (``model_validate_json``); only a failure goes
    back to ``json`` to tell text that is not JSON from JSON that does not fit the schema.
    """
    try:
        if isinstance(payload, str):
            return ClauseAnalysis.model_validate_json(payload)
        return ClauseAnalysis.model_validate(payload)
    except ValidationError as exc:
        not_json = _not_json(payload) if isinstance(payload, str) else None
        raise (not_json or InvalidAnalysis("schema_invalid", _schema_errors(exc))) from exc


def semantic_errors(analysis: ClauseAnalysis, clause_text: str, truncated: bool) -> list[str]:
    """Layer 2: what is wrong with a schema-valid analysis given its clause."""
    errors: list[str] = []
    for i, quote in enumerate(analysis.evidence_quotes):
        if not quote_in_text(quote, clause_text):
            errors.append(
                f"evidence_quotes[{i}] does not occur verbatim in the clause text: {quote[:200]!r}"
            )
    if analysis.evidence_type == "explicit_language" and not analysis.evidence_quotes:
        errors.append("evidence_type is explicit_language but evidence_quotes is empty")
    note = (analysis.truncation_note or "").strip()
    if truncated and not note:
        errors.append("the clause was truncated, so truncation_note must say what was cut")
    if not truncated and note:
        errors.append("the clause was not truncated, so truncation_note must be null")
    unknown = sorted(set(analysis.categories) - load_taxonomy().codes)
    if unknown:
        errors.append(f"categories not in the taxonomy: {', '.join(unknown)}")
    if len(analysis.title.split()) > MAX_TITLE_WORDS:
        errors.append(f"title is longer than {MAX_TITLE_WORDS} words")
    for field in ("title", "summary", "why_it_matters", "consumer_impact", "confidence_rationale"):
        if not getattr(analysis, field).strip():
            errors.append(f"{field} is empty")
    return errors


def validate_analysis(
    payload: str | dict[str, Any] | ClauseAnalysis, clause_text: str, truncated: bool
) -> ClauseAnalysis:
    """Both layers; raises ``InvalidAnalysis`` with every problem found."""
    analysis = payload if isinstance(payload, ClauseAnalysis) else parse_analysis(payload)
    errors = semantic_errors(analysis, clause_text, truncated)
    if errors:
        raise InvalidAnalysis("semantic_invalid", errors)
    return analysis


def validate_change_analysis(
    payload: str | dict[str, Any], old_text: str, new_text: str
) -> ChangeAnalysis:
    """Schema, then every quote must occur in the new or the old text."""
    try:
        data = json.loads(payload) if isinstance(payload, str) else payload
        change = ChangeAnalysis.model_validate(data)
    except json.JSONDecodeError as exc:
        raise InvalidAnalysis("schema_invalid", [f"the answer is not valid JSON: {exc}"]) from exc
    except ValidationError as exc:
        raise InvalidAnalysis("schema_invalid", _schema_errors(exc)) from exc
    errors = [
        f"evidence_quotes[{i}] occurs in neither the old nor the new text: {q[:200]!r}"
        for i, q in enumerate(change.evidence_quotes)
        if not (quote_in_text(q, new_text) or quote_in_text(q, old_text))
    ]
    if not change.what_changed.strip():
        errors.append("what_changed is empty")
    if errors:
        raise InvalidAnalysis("semantic_invalid", errors)
    return change
