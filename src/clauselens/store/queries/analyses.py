"""The analysis that stands for a clause: one rule, written once in SQL and once in Python.

For one analysis row, the analysis *as it stands* is the analyst's edit (``reviewed_analysis``)
when there is one, else the analyzer's output; its severity follows it.

Among the analyses of one clause text (``clause_sha256``), the one that *stands* is, in order:

1. one an analyst edited;
2. then by analyzer, ``ANALYZER_RANK``: ``claude`` before ``offline`` (an unknown one last);
   a synthetic analysis (answered by clauselens' fake API server) ranks below them all,
   offline included (``SYNTHETIC_RANK``), so it stands first only when an analyst edited it;
3. then the newest (``generated_at``, then row id).

``standing_analysis``, ``standing_analyses`` and ``standing_ids`` choose among the valid
analyses an analyst has not rejected. A caller that shows analyses in every state (export)
ranks its own candidates with ``standing_key`` (Python) or ``standing_order`` (SQL), which are
the same rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

import sqlalchemy as sa

from clauselens.schemas.analysis import LEVEL_RANK
from clauselens.schemas.rows import StandingAnalysis
from clauselens.store import tables as t

# Which analyzer's analysis stands when a clause text has several: lower is preferred. The same
# table says whose change analysis may replace whose (a rank never gives way to a worse one).
ANALYZER_RANK: Mapping[str, int] = MappingProxyType({"claude": 0, "offline": 1})

# A synthetic analysis: below every analyzer, unknown ones included.
SYNTHETIC_RANK = len(ANALYZER_RANK) + 1

_a = t.analyses.c
_CHUNK = 500


def analyzer_rank(analyzer: str | None, synthetic: bool = False) -> int:
    """The rank of an analyzer's work: lower stands first; an unknown name ranks last, and
    synthetic work (answered by the fake API server) below that."""
    return SYNTHETIC_RANK if synthetic else ANALYZER_RANK.get(analyzer or "", len(ANALYZER_RANK))


# --- SQL -------------------------------------------------------------------------------------


def edited() -> sa.ColumnElement[bool]:
    """True for an analysis an analyst edited.

    An edit is a whole validated ``ClauseAnalysis``, so it always has a severity: testing that
    path treats SQL NULL and a stored JSON ``null`` alike, on SQLite and PostgreSQL.
    """
    severity: sa.ColumnElement[str] = _a.reviewed_analysis["severity"].as_string()
    return severity.is_not(None)


def standing_severity() -> sa.ColumnElement[str]:
    """The severity of the analysis as it stands: the edit's, else the analyzer's."""
    return sa.func.coalesce(_a.reviewed_analysis["severity"].as_string(), _a.severity)


def standing_order() -> tuple[sa.ColumnElement[Any], ...]:
    """ORDER BY terms that put the analysis that stands first (see the module docstring)."""
    return (
        sa.case((edited(), 0), else_=1),
        sa.case(
            (_a.synthetic, SYNTHETIC_RANK),
            *((_a.analyzer == name, rank) for name, rank in ANALYZER_RANK.items()),
            else_=len(ANALYZER_RANK),
        ),
        _a.generated_at.desc(),
        _a.id.desc(),
    )


def standing_candidates() -> sa.ColumnElement[bool]:
    """The analyses that may stand for a clause: valid, and not rejected by an analyst."""
    return sa.and_(_a.status == "valid", _a.review_status != "rejected")


# --- Python, for rows already fetched ----------------------------------------------------------


def standing_data(row: Any) -> dict[str, Any] | None:
    """An analysis row as it stands: the analyst's edit when there is one, else the original.

    ``row`` has ``analysis`` and ``reviewed_analysis`` (a store row or any such object).
    """
    edit = row.reviewed_analysis
    data = edit if edit is not None else row.analysis
    return data if isinstance(data, dict) else None


def standing_key(row: Any) -> tuple[int, int, float, int]:
    """Sort key of ``standing_order`` for fetched rows (``reviewed_analysis``, ``analyzer``,
    ``synthetic``, ``generated_at``, ``id``): the smallest stands."""
    generated: datetime = row.generated_at
    return (
        0 if row.reviewed_analysis is not None else 1,
        analyzer_rank(row.analyzer, bool(row.synthetic)),
        -generated.timestamp(),
        -int(row.id),
    )


# --- queries ---------------------------------------------------------------------------------


_COLUMNS = (
    _a.id,
    _a.clause_sha256,
    _a.analyzer,
    _a.model,
    _a.prompt_version,
    _a.status,
    _a.review_status,
    _a.severity,
    _a.analysis,
    _a.reviewed_analysis,
    _a.generated_at,
    _a.synthetic,
)


def _record(row: Any) -> StandingAnalysis:
    data = standing_data(row)
    severity = (data or {}).get("severity", row.severity)
    return StandingAnalysis(
        pk=row.id,
        clause_sha256=row.clause_sha256,
        analyzer=row.analyzer,
        model=row.model,
        prompt_version=row.prompt_version,
        status=row.status,
        review_status=row.review_status,
        edited=row.reviewed_analysis is not None,
        severity=severity if severity in LEVEL_RANK else None,
        data=data,
        generated_at=row.generated_at,
        synthetic=bool(row.synthetic),
    )


def _ranked(columns: Iterable[Any], shas: list[str]) -> Any:
    """``columns`` of the standing candidates of these texts, each with its ``place`` in the
    standing order among the analyses of its text (1: the one that stands)."""
    place = sa.func.row_number().over(partition_by=_a.clause_sha256, order_by=standing_order())
    return (
        sa.select(*columns, place.label("place"))
        .where(_a.clause_sha256.in_(shas), standing_candidates())
        .subquery("ranked_analyses")
    )


def standing_analyses(conn: sa.Connection, shas: Iterable[str]) -> dict[str, StandingAnalysis]:
    """clause_sha256 → the analysis that stands for that text, for the texts that have one."""
    wanted = sorted(set(shas))
    out: dict[str, StandingAnalysis] = {}
    for start in range(0, len(wanted), _CHUNK):
        ranked = _ranked(_COLUMNS, wanted[start : start + _CHUNK])
        rows = conn.execute(sa.select(ranked).where(ranked.c.place == 1))
        out.update((row.clause_sha256, _record(row)) for row in rows)
    return out


def standing_ids(conn: sa.Connection, shas: Iterable[str]) -> dict[str, int]:
    """clause_sha256 → the id of the analysis that stands for that text (``standing_analyses``
    without reading the analyses themselves)."""
    wanted = sorted(set(shas))
    out: dict[str, int] = {}
    for start in range(0, len(wanted), _CHUNK):
        ranked = _ranked((_a.id, _a.clause_sha256), wanted[start : start + _CHUNK])
        rows = conn.execute(
            sa.select(ranked.c.clause_sha256, ranked.c.id).where(ranked.c.place == 1)
        )
        out.update((str(sha), int(pk)) for sha, pk in rows)
    return out


def standing_analysis(conn: sa.Connection, clause_sha256: str) -> StandingAnalysis | None:
    """The analysis that stands for one clause text (None when it has no valid one)."""
    row = conn.execute(
        sa.select(*_COLUMNS)
        .where(_a.clause_sha256 == clause_sha256, standing_candidates())
        .order_by(*standing_order())
        .limit(1)
    ).first()
    return _record(row) if row is not None else None


def results_for_key(
    conn: sa.Connection, shas: Iterable[str], analyzer: str, model: str, prompt_version: str
) -> dict[str, Any]:
    """The stored row (status, analysis, error, provenance, input_truncated) of each clause
    text analysed under one analysis key, as the analyzer made it (no edit applied): what an
    evaluation reads back instead of paying again."""
    wanted = sorted(set(shas))
    found: dict[str, Any] = {}
    columns = (_a.clause_sha256, _a.status, _a.analysis, _a.error, _a.provenance)
    for start in range(0, len(wanted), _CHUNK):
        query = sa.select(*columns, _a.input_truncated).where(
            _a.clause_sha256.in_(wanted[start : start + _CHUNK]),
            _a.analyzer == analyzer,
            _a.model == model,
            _a.prompt_version == prompt_version,
        )
        for row in conn.execute(query.order_by(_a.id)):
            found[row.clause_sha256] = row
    return found
