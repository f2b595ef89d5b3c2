"""The governance digest: what changed in a period, for a reader who has five minutes.

``build_digest`` gathers, for the period since ``since`` (optionally for some entities):

- the substantive changes (``export.changes``), grouped by severity, most severe first;
- high-severity provisions new or re-assessed in the period (export records whose version was
  captured, or whose analysis was generated or reviewed, in it);
- the provisions no other platform has (``similarity.unique_provisions``), of those entities;
- the review backlog and its oldest pending item (``review.backlog``).

``render_markdown`` and ``render_html`` (one self-contained file: inline styles, no external
asset, suitable for e-mail) present it; both are autoescaped or plain text.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from jinja2 import Environment, PackageLoader
from pydantic import BaseModel, ConfigDict

from clauselens.errors import ClauselensError, NotFoundError, UsageError
from clauselens.export._filters import ExportFilters, parse_time
from clauselens.export._records import iter_records
from clauselens.export.changes import ChangeFilters, iter_changes
from clauselens.review.backlog import Backlog, backlog
from clauselens.schemas.published import ChangeEntry
from clauselens.similarity.provisions import UniqueProvision, unique_provisions
from clauselens.store.queries import all_documents

SEVERITY_ORDER = ("high", "medium", "low", "unrated")
_PERIOD = re.compile(r"(\d{1,4})([dwh])")
_UNITS = {"d": "days", "w": "weeks", "h": "hours"}
MAX_UNIQUE = 50


def parse_since(value: str, now: datetime) -> datetime:
    """``7d``, ``2w``, ``36h`` before ``now``, or an ISO 8601 date or time."""
    found = _PERIOD.fullmatch(value.strip())
    if found:
        return now - timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})
    return parse_time(value, what="since")


class HighProvision(BaseModel):
    """A high-severity provision new or re-assessed in the period."""

    model_config = ConfigDict(extra="forbid")

    record_id: str
    entity: str
    document_title: str
    title: str
    heading_path: list[str]
    consumer_impact: str
    review_status: str


class Digest(BaseModel):
    """Everything one digest says."""

    model_config = ConfigDict(extra="forbid")

    since: datetime
    until: datetime
    entities: list[str]
    changes: dict[str, list[ChangeEntry]]
    high_provisions: list[HighProvision]
    unique: list[UniqueProvision]
    unique_note: str
    backlog: list[Backlog]

    @property
    def change_count(self) -> int:
        return sum(len(v) for v in self.changes.values())


def _changes(
    engine: sa.Engine, entities: list[str | None], since: datetime
) -> dict[str, list[ChangeEntry]]:
    grouped: dict[str, list[ChangeEntry]] = {level: [] for level in SEVERITY_ORDER}
    with engine.connect() as conn:
        for entity in entities:
            for entry, _ in iter_changes(conn, ChangeFilters.of(entity=entity, since=since)):
                grouped[entry.severity or "unrated"].append(entry)
    return {level: entries for level, entries in grouped.items() if entries}


def _high(engine: sa.Engine, entities: list[str | None], since: datetime) -> list[HighProvision]:
    out = []
    for entity in entities:
        filters = ExportFilters.of(entity=entity, severity="high", since=since)
        for r in iter_records(engine, filters, cross_platform=False):
            out.append(
                HighProvision(
                    record_id=r.record_id,
                    entity=r.entity,
                    document_title=r.document_title,
                    title=r.analysis.title,
                    heading_path=r.heading_path,
                    consumer_impact=r.analysis.consumer_impact,
                    review_status=r.review.status,
                )
            )
    return out


def _unique(engine: sa.Engine, entities: list[str | None]) -> tuple[list[UniqueProvision], str]:
    found: list[UniqueProvision] = []
    try:
        for entity in entities:
            found += unique_provisions(engine, entity)
    except ClauselensError as exc:
        return [], f"Not available: {exc}"
    note = ""
    if found and found[0].platforms_total == 0:
        note = "Only one platform is tracked, so every provision is trivially unique."
    if len(found) > MAX_UNIQUE:
        note = f"{note} The first {MAX_UNIQUE} of {len(found)} are listed.".strip()
    return found[:MAX_UNIQUE], note


def _known_entities(engine: sa.Engine, wanted: list[str]) -> list[str]:
    """The entities as stored (matched case-insensitively); an unknown one is an error."""
    with engine.connect() as conn:
        known = {d.entity.casefold(): d.entity for d in all_documents(conn)}
    out = []
    for name in wanted:
        if name.casefold() not in known:
            raise NotFoundError(f"no entity {name!r}; known: {sorted(known.values())}")
        out.append(known[name.casefold()])
    return list(dict.fromkeys(out))


def build_digest(
    engine: sa.Engine,
    since: str | datetime,
    *,
    entities: list[str] | None = None,
    now: datetime | None = None,
) -> Digest:
    """The digest of the period from ``since`` (``7d``, ``2w``, ``36h`` or ISO) to ``now``."""
    until = now or datetime.now(UTC).replace(microsecond=0)
    start = since if isinstance(since, datetime) else parse_since(since, until)
    if start > until:
        raise UsageError("since is in the future")
    named = _known_entities(engine, entities or [])
    scope: list[str | None] = list(named) if named else [None]
    unique, note = _unique(engine, scope)
    return Digest(
        since=start,
        until=until,
        entities=named,
        changes=_changes(engine, scope, start),
        high_provisions=_high(engine, scope, start),
        unique=unique,
        unique_note=note,
        backlog=[backlog(engine, entity) for entity in scope],
    )


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("clauselens.export", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["day"] = lambda moment: moment.strftime("%Y-%m-%d") if moment else ""
    return env


def render_html(digest: Digest, *, record_base: str | None = None) -> str:
    """One self-contained HTML file (inline styles; links to record pages under
    ``record_base`` when given)."""
    template = _environment().get_template("digest.html")
    return str(template.render(d=digest, record_base=(record_base or "").rstrip("/")))


def render_markdown(digest: Digest, *, record_base: str | None = None) -> str:
    """The digest as Markdown (plain text that reads well unrendered)."""
    base = (record_base or "").rstrip("/")

    def ref(record_id: str) -> str:
        return f"[{record_id}]({base}/records/{record_id})" if base else f"`{record_id}`"

    scope = ", ".join(digest.entities) or "all tracked platforms"
    lines = [
        f"# clauselens digest: {digest.since:%Y-%m-%d} to {digest.until:%Y-%m-%d}",
        "",
        f"Scope: {scope}. {digest.change_count} substantive change(s), "
        f"{len(digest.high_provisions)} high-severity provision(s) new or re-assessed.",
        "",
        "## Substantive changes by severity",
        "",
    ]
    if not digest.changes:
        lines.append("No substantive change in this period.")
    for level, entries in digest.changes.items():
        lines += [f"### {level.capitalize()} ({len(entries)})", ""]
        for e in entries:
            where = " › ".join(e.heading_path) or "(before the first heading)"
            lines.append(
                f"- **{e.entity} · {e.document_title}**, {e.change_class} ({e.date:%Y-%m-%d}): "
                f"{where}. {e.impact} {ref(e.record_id)}"
            )
        lines.append("")
    lines += ["## High-severity provisions, new or re-assessed", ""]
    if not digest.high_provisions:
        lines.append("None in this period.")
    for h in digest.high_provisions:
        lines.append(
            f"- **{h.title}** ({h.entity} · {h.document_title}, {h.review_status}): "
            f"{h.consumer_impact} {ref(h.record_id)}"
        )
    lines += ["", "## Provisions no other platform has", ""]
    if digest.unique_note:
        lines += [digest.unique_note, ""]
    if not digest.unique:
        lines.append("None.")
    for u in digest.unique:
        heading = " › ".join(u.heading_path) or "(no heading)"
        lines.append(f"- {u.entity} · {u.document}: {heading} {ref(u.record_id)}")
    lines += ["", "## Review backlog", ""]
    for b in digest.backlog:
        who = b.entity or "all platforms"
        lines.append(
            f"- {who}: {b.pending} pending, {b.by_status.get('approved', 0)} approved, "
            f"{b.by_status.get('edited', 0)} edited, {b.by_status.get('rejected', 0)} rejected."
        )
        if b.oldest_pending is not None:
            o = b.oldest_pending
            lines.append(
                f"  Oldest pending: #{o.analysis_id} {o.title or '(untitled)'} "
                f"({o.entity} · {o.document_title}), waiting since {o.generated_at:%Y-%m-%d}."
            )
    return "\n".join(lines).rstrip() + "\n"
