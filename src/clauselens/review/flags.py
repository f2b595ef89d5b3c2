"""Flag: why an analysis needs an analyst, from rules that are data (``data/flag_rules.json``).

Each rule names a *kind* of condition, its parameters, a priority and a one-line reason
template. The conditions live in one dispatch table, ``KINDS``: a kind maps to its parameter
model (validated when the rules are loaded) and a predicate. A predicate returns ``None`` when
the rule does not fire, or the values its reason template is filled with.

Priorities ascend: a lower number is more urgent, and the review queue shows it first.

Flags are computed from the analysis as the analyzer produced it (not an analyst's edit): they
say why the output needed review. ``flag_saved`` runs when analyses are saved
(``persist.save_results``, once per transaction: one query for the clause facts, one delete, one
insert, whatever the number); ``recompute_flags`` recomputes every analysis after the rules
change. The disagreement rule compares the valid analyses of the same clause text by the two
analyzers, so saving one refreshes the flags of its counterpart too. Storing an
analysis's flags also stores the most urgent one's priority in ``analyses.top_priority``, which
the review queue sorts on.
"""

from __future__ import annotations

import json
import string
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal, NamedTuple

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, PrivateAttr, ValidationError, model_validator

from clauselens.errors import ConfigError
from clauselens.schemas import LEVEL_RANK
from clauselens.store import tables as t

Level = Literal["high", "medium", "low"]
Details = dict[str, object]
_MAX_VALUE_CHARS = 160


@dataclass(frozen=True)
class Flag:
    """One reason an analysis needs an analyst."""

    code: str
    priority: int
    reason: str


@dataclass(frozen=True)
class FlagSubject:
    """What the predicates look at for one stored analysis."""

    analysis_pk: int
    status: str
    analyzer: str
    model: str
    error: str | None
    analysis: dict[str, Any] | None
    provenance: dict[str, Any]
    input_truncated: bool
    truncation_reason: str | None
    triaged_out: bool
    triage_reason: str | None
    cut_off_reason: str | None  # set when the capture of the clause's version looks cut off
    partners: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def get(self, name: str) -> Any:
        return (self.analysis or {}).get(name)


# --- parameter models, one per kind ---------------------------------------------------------


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NoParams(_Params):
    pass


class StatusParams(_Params):
    status: Literal["valid", "failed"]


class StopReasonParams(_Params):
    stop_reasons: list[str]


class SeverityConfidenceParams(_Params):
    severity: Level
    confidence_below: Level


class ConfidenceParams(_Params):
    confidence: Level


class AnalyzerParams(_Params):
    analyzer: str


class DisagreementParams(_Params):
    analyzers: tuple[str, str]
    severity_gap: int = 2


# --- predicates -----------------------------------------------------------------------------


def _status_is(s: FlagSubject, p: StatusParams) -> Details | None:
    if s.status != p.status:
        return None
    return {"attempts": s.provenance.get("attempts", 1), "error": s.error or "no error recorded"}


def _stop_reason_in(s: FlagSubject, p: StopReasonParams) -> Details | None:
    stops = [s.provenance.get("stop_reason")]
    stops += [a.get("kind") for a in s.provenance.get("failed_attempts", [])]
    hits = [str(x) for x in stops if x in p.stop_reasons]
    return {"stop_reason": " and ".join(dict.fromkeys(hits))} if hits else None


def _severity_with_confidence_below(s: FlagSubject, p: SeverityConfidenceParams) -> Details | None:
    severity, confidence = s.get("severity"), s.get("confidence")
    if severity != p.severity or confidence not in LEVEL_RANK:
        return None
    if LEVEL_RANK[confidence] >= LEVEL_RANK[p.confidence_below]:
        return None
    return {"severity": severity, "confidence": confidence}


def _confidence_at_most(s: FlagSubject, p: ConfidenceParams) -> Details | None:
    confidence = s.get("confidence")
    if confidence not in LEVEL_RANK or LEVEL_RANK[confidence] > LEVEL_RANK[p.confidence]:
        return None
    return {"confidence": confidence, "confidence_rationale": s.get("confidence_rationale") or ""}


def _input_truncated(s: FlagSubject, _p: NoParams) -> Details | None:
    if not s.input_truncated:
        return None
    return {"truncation_reason": s.truncation_reason or "no reason recorded"}


def _capture_cut_off(s: FlagSubject, _p: NoParams) -> Details | None:
    return None if s.cut_off_reason is None else {"cut_off_reason": s.cut_off_reason}


def _reasked(s: FlagSubject, _p: NoParams) -> Details | None:
    if s.status != "valid" or not s.provenance.get("reasked"):
        return None
    return {"failed_attempts": len(s.provenance.get("failed_attempts", []))}


def _triaged_out(s: FlagSubject, _p: NoParams) -> Details | None:
    return {"triage_reason": s.triage_reason or "no reason recorded"} if s.triaged_out else None


def _synthetic(s: FlagSubject, _p: NoParams) -> Details | None:
    return {"model": s.model} if s.provenance.get("synthetic") else None


def _analyzer_is(s: FlagSubject, p: AnalyzerParams) -> Details | None:
    return {"model": s.model} if s.analyzer == p.analyzer else None


def disagreement(one: dict[str, Any], other: dict[str, Any], severity_gap: int = 2) -> list[str]:
    """How two analyses of the same clause disagree: severity far apart, or no shared category."""
    found: list[str] = []
    sev_a, sev_b = one.get("severity"), other.get("severity")
    ranks = (LEVEL_RANK.get(str(sev_a)), LEVEL_RANK.get(str(sev_b)))
    if ranks[0] is not None and ranks[1] is not None and abs(ranks[0] - ranks[1]) >= severity_gap:
        found.append(f"severity {sev_a} vs {sev_b}")
    cats_a, cats_b = set(one.get("categories") or []), set(other.get("categories") or [])
    if (cats_a or cats_b) and not cats_a & cats_b:
        shown_a = ", ".join(sorted(cats_a)) or "none"
        shown_b = ", ".join(sorted(cats_b)) or "none"
        found.append(f"no shared category ({shown_a} vs {shown_b})")
    return found


def _analyzers_disagree(s: FlagSubject, p: DisagreementParams) -> Details | None:
    if s.analysis is None or s.analyzer not in p.analyzers:
        return None
    for other, analysis in s.partners:
        if other in p.analyzers and other != s.analyzer:
            found = disagreement(s.analysis, analysis, p.severity_gap)
            if found:
                return {"other": other, "disagreement": "; ".join(found)}
    return None


class RuleKind(NamedTuple):
    params: type[_Params]
    test: Callable[[FlagSubject, Any], Details | None]
    fields: frozenset[str]


def _kind(
    params: type[_Params], test: Callable[[FlagSubject, Any], Details | None], *f: str
) -> RuleKind:
    return RuleKind(params, test, frozenset(f))


KINDS: dict[str, RuleKind] = {
    "status_is": _kind(StatusParams, _status_is, "attempts", "error"),
    "stop_reason_in": _kind(StopReasonParams, _stop_reason_in, "stop_reason"),
    "severity_with_confidence_below": _kind(
        SeverityConfidenceParams, _severity_with_confidence_below, "severity", "confidence"
    ),
    "confidence_at_most": _kind(
        ConfidenceParams, _confidence_at_most, "confidence", "confidence_rationale"
    ),
    "input_truncated": _kind(NoParams, _input_truncated, "truncation_reason"),
    "capture_cut_off": _kind(NoParams, _capture_cut_off, "cut_off_reason"),
    "reasked": _kind(NoParams, _reasked, "failed_attempts"),
    "triaged_out": _kind(NoParams, _triaged_out, "triage_reason"),
    "analyzer_is": _kind(AnalyzerParams, _analyzer_is, "model"),
    "synthetic": _kind(NoParams, _synthetic, "model"),
    "analyzers_disagree": _kind(DisagreementParams, _analyzers_disagree, "other", "disagreement"),
}


# --- the rules file -------------------------------------------------------------------------


class FlagRule(BaseModel):
    """One rule: when ``kind`` (with ``params``) holds, flag ``code`` with ``reason``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str
    kind: str
    params: dict[str, Any] = {}
    priority: int
    reason: str
    _parsed: _Params = PrivateAttr()

    @model_validator(mode="after")
    def _check(self) -> FlagRule:
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r}; known: {', '.join(sorted(KINDS))}")
        kind = KINDS[self.kind]
        self._parsed = kind.params.model_validate(self.params)
        used = {name for _, name, _, _ in string.Formatter().parse(self.reason) if name}
        unknown = used - kind.fields
        if unknown:
            raise ValueError(
                f"reason of {self.code!r} uses {', '.join(sorted(unknown))}; "
                f"{self.kind} provides {', '.join(sorted(kind.fields)) or 'nothing'}"
            )
        return self

    def evaluate(self, subject: FlagSubject) -> Flag | None:
        details = KINDS[self.kind].test(subject, self._parsed)
        if details is None:
            return None
        values = {k: _short(v) for k, v in details.items()}
        return Flag(self.code, self.priority, self.reason.format_map(values))


class FlagRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: str
    priority_order: str = "ascending"
    rules: list[FlagRule]

    @model_validator(mode="after")
    def _unique_codes(self) -> FlagRules:
        codes = [r.code for r in self.rules]
        dupes = sorted(c for c, n in Counter(codes).items() if n > 1)
        if dupes:
            raise ValueError(f"duplicate rule codes: {', '.join(dupes)}")
        return self

    def evaluate(self, subject: FlagSubject) -> list[Flag]:
        flags = (rule.evaluate(subject) for rule in self.rules)
        return sorted((f for f in flags if f is not None), key=lambda f: (f.priority, f.code))


def _short(value: object) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= _MAX_VALUE_CHARS else text[: _MAX_VALUE_CHARS - 1] + "…"


def parse_flag_rules(raw: str, source: str = "flag rules") -> FlagRules:
    """Validate a rules document; a bad one is a ``ConfigError`` naming what is wrong."""
    try:
        return FlagRules.model_validate(json.loads(raw))
    except (ValidationError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{source} is invalid: {exc}") from exc


@cache
def _shipped_rules() -> FlagRules:
    raw = resources.files("clauselens").joinpath("data/flag_rules.json").read_text("utf-8")
    return parse_flag_rules(raw, "data/flag_rules.json")


def load_flag_rules(path: Path | None = None) -> FlagRules:
    """The shipped rules, or the rules file at ``path``."""
    if path is None:
        return _shipped_rules()
    try:
        raw = path.read_text("utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc}") from exc
    return parse_flag_rules(raw, str(path))


# --- store ----------------------------------------------------------------------------------


# The columns of ``analyses`` a flag computation reads (a row is a mapping of them).
ROW_COLUMNS = (
    "id",
    "status",
    "analyzer",
    "model",
    "prompt_version",
    "error",
    "analysis",
    "provenance",
    "input_truncated",
    "triaged_out",
    "triage_reason",
    "clause_pk",
    "clause_sha256",
)
Row = Mapping[str, Any]
_CHUNK = 500  # values per IN list, well under SQLite's limit on bound parameters


class ClauseFacts(NamedTuple):
    """What the flags need from an analysis's clause and its version."""

    truncation_reason: str | None
    cut_off_reason: str | None  # set when the version's capture looks cut off


def _facts_select(where: sa.ColumnElement[bool]) -> sa.Select[Any]:
    c, v = t.clauses.c, t.versions.c
    columns = (c.id, c.clause_sha256, c.truncation_reason, v.looks_cut_off, v.cut_off_reason)
    return sa.select(*columns).join(t.versions, v.id == c.version_pk).where(where).order_by(c.id)


_FACTS = {
    "pk": _facts_select(t.clauses.c.id.in_(sa.bindparam("keys", expanding=True))),
    "sha": _facts_select(t.clauses.c.clause_sha256.in_(sa.bindparam("keys", expanding=True))),
}
FactsKey = tuple[str, Any]


def _facts_key(row: Row) -> FactsKey:
    """An analysis's clause: the one it was made for, else the newest clause with its text."""
    return ("pk", row["clause_pk"]) if row["clause_pk"] else ("sha", row["clause_sha256"])


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for i in range(0, len(values), _CHUNK):
        yield values[i : i + _CHUNK]


def _clause_facts(conn: sa.Connection, rows: Iterable[Row]) -> dict[FactsKey, ClauseFacts]:
    """The clause facts of every row: one query per kind of key (and per ``_CHUNK`` keys)."""
    keys = {_facts_key(row) for row in rows}
    facts: dict[FactsKey, ClauseFacts] = {}
    for kind, statement in _FACTS.items():
        wanted = sorted(value for k, value in keys if k == kind)
        for chunk in _chunks(wanted):
            for f in conn.execute(statement, {"keys": list(chunk)}):  # ascending id: newest wins
                cut_off = (f.cut_off_reason or "no reason recorded") if f.looks_cut_off else None
                key = f.id if kind == "pk" else f.clause_sha256
                facts[(kind, key)] = ClauseFacts(f.truncation_reason, cut_off)
    return facts


def _partners_of(row: Row, same_text: Iterable[Row]) -> list[Row]:
    """The other analyzers' analyses among ``same_text`` (rows of the same clause text), in
    analysis-key order."""
    others = [p for p in same_text if p["analyzer"] != row["analyzer"]]
    return sorted(others, key=lambda p: (p["analyzer"], p["model"], p["prompt_version"]))


def _subject(row: Row, facts: ClauseFacts | None, partners: Iterable[Row]) -> FlagSubject:
    return FlagSubject(
        analysis_pk=row["id"],
        status=row["status"],
        analyzer=row["analyzer"],
        model=row["model"],
        error=row["error"],
        analysis=row["analysis"],
        provenance=row["provenance"] or {},
        input_truncated=bool(row["input_truncated"]),
        truncation_reason=facts.truncation_reason if facts is not None else None,
        triaged_out=bool(row["triaged_out"]),
        triage_reason=row["triage_reason"],
        cut_off_reason=facts.cut_off_reason if facts is not None else None,
        partners=[
            (p["analyzer"], p["analysis"])
            for p in partners
            if p["status"] == "valid" and p["analysis"]
        ],
    )


def _subjects(
    conn: sa.Connection, targets: Mapping[int, Row], same_text: Mapping[str, Sequence[Row]]
) -> dict[int, FlagSubject]:
    facts = _clause_facts(conn, targets.values())
    return {
        pk: _subject(
            row,
            facts.get(_facts_key(row)),
            _partners_of(row, same_text.get(row["clause_sha256"], ())),
        )
        for pk, row in targets.items()
    }


_DELETE_FLAGS = t.flags.delete().where(
    t.flags.c.analysis_pk.in_(sa.bindparam("pks", expanding=True))
)


_SET_TOP_PRIORITY = (
    t.analyses.update()
    .where(t.analyses.c.id == sa.bindparam("b_pk"))
    .values(top_priority=sa.bindparam("b_top"))
)


def _store_flags(
    conn: sa.Connection, flags: Mapping[int, list[Flag]], replace: Sequence[int]
) -> None:
    """Write the flags of several analyses: a delete for those in ``replace``, one insert."""
    for chunk in _chunks(sorted(replace)):
        conn.execute(_DELETE_FLAGS, {"pks": list(chunk)})
    values = [
        {"analysis_pk": pk, "code": f.code, "priority": f.priority, "reason": f.reason}
        for pk, found in flags.items()
        for f in found
    ]
    if values:
        conn.execute(t.flags.insert(), values)
    # The most urgent priority, for the queue's order; a fresh analysis without flags keeps the
    # column's default (no flag).
    replaced = set(replace)
    tops = [
        {"b_pk": pk, "b_top": min((f.priority for f in found), default=t.NO_FLAG_PRIORITY)}
        for pk, found in flags.items()
        if found or pk in replaced
    ]
    if tops:
        conn.execute(_SET_TOP_PRIORITY, tops)


def flag_saved(
    conn: sa.Connection,
    saved: Iterable[Row],
    same_text: Mapping[str, Sequence[Row]],
    *,
    fresh: Collection[int] = (),
    rules: FlagRules | None = None,
) -> dict[int, list[Flag]]:
    """(Re)compute and store the flags of analyses just saved, and of their other-analyzer
    counterparts (the disagreement rule looks at both), in a few statements for any number.

    ``saved``: the saved rows as they now stand (``ROW_COLUMNS``); ``same_text``: every analysis
    row of their clause texts as it now stands, saved ones included, by ``clause_sha256``;
    ``fresh``: ids just inserted, with no flags to replace yet. Each analysis is evaluated once,
    against the final state: what saving them one at a time would end with.
    """
    rules = rules or load_flag_rules()
    targets: dict[int, Row] = {}
    for row in saved:
        targets[int(row["id"])] = row
        for partner in _partners_of(row, same_text.get(row["clause_sha256"], ())):
            targets.setdefault(int(partner["id"]), partner)
    subjects = _subjects(conn, targets, same_text)
    flags = {pk: rules.evaluate(subject) for pk, subject in subjects.items()}
    _store_flags(conn, flags, [pk for pk in flags if pk not in fresh])
    return flags


@dataclass(frozen=True)
class RecomputeReport:
    """What ``recompute_flags`` did: analyses seen and how many carry each flag now."""

    analyses: int
    counts: dict[str, int]


def _rows_with_text(conn: sa.Connection, shas: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """Every analysis row of these clause texts, by ``clause_sha256``, in id order."""
    a = t.analyses.c
    statement = (
        sa.select(*(a[name] for name in ROW_COLUMNS))
        .where(a.clause_sha256.in_(sa.bindparam("shas", expanding=True)))
        .order_by(a.id)
    )
    rows: dict[str, list[dict[str, Any]]] = {}
    for chunk in _chunks(sorted(set(shas))):
        for row in conn.execute(statement, {"shas": list(chunk)}).mappings():
            rows.setdefault(row["clause_sha256"], []).append(dict(row))
    return rows


def recompute_flags(engine: sa.Engine, rules: FlagRules | None = None) -> RecomputeReport:
    """Recompute the flags of every analysis (after the rules changed) in one transaction,
    a few hundred clause texts at a time."""
    rules = rules or load_flag_rules()
    counts: Counter[str] = Counter()
    seen = 0
    with engine.begin() as conn:
        a = t.analyses.c
        shas = list(conn.execute(sa.select(a.clause_sha256).distinct().order_by(a.clause_sha256)))
        for chunk in _chunks([sha for (sha,) in shas]):
            same_text = _rows_with_text(conn, chunk)
            targets = {int(r["id"]): r for rows in same_text.values() for r in rows}
            flags = {pk: rules.evaluate(s) for pk, s in _subjects(conn, targets, same_text).items()}
            _store_flags(conn, flags, list(flags))
            counts.update(f.code for found in flags.values() for f in found)
            seen += len(targets)
    return RecomputeReport(seen, dict(sorted(counts.items())))
