"""Record pages: one published page per provision, rendered from its export record.

A page is built from ``export.ExportRecord`` and nothing else, so the page and the export can
never disagree. The same templates serve ``clauselens serve`` (``/records/...``) and the static
site of ``clauselens export --format html``; only the links differ (``Links``). The clause is
rendered with the review page's safe Markdown (``web.clause``) with its evidence quotes marked.
Every template is autoescaped; no script runs on these pages.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from jinja2 import Environment, PackageLoader

from clauselens.schemas.export import ExportRecord
from clauselens.schemas.taxonomy import load_taxonomy
from clauselens.web.clause import render_clause
from clauselens.web.routes import web_url

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
LEVEL_WORDS = {"high": "High", "medium": "Medium", "low": "Low"}
EVIDENCE_WORDS = {
    "explicit_language": "Explicit document language",
    "implied": "Implied by the document",
    "absent": "No supporting language in the clause",
}


def entity_slug(entity: str) -> str:
    """A file and URL name for an entity: readable, and distinct for distinct entities."""
    readable = _NOT_SLUG.sub("-", entity.casefold()).strip("-")[:40] or "entity"
    return f"{readable}-{hashlib.sha256(entity.encode()).hexdigest()[:6]}"


@dataclass(frozen=True)
class Links:
    """Where a page's links go: the server's paths, or a static site's relative files.

    ``record`` gives ``None`` for a record that has no page (left out of a static export):
    such a record is named as text, not linked.
    """

    static: str
    home: str
    entity: Callable[[str], str]
    record: Callable[[str], str | None]


SERVER_LINKS = Links(
    static="/static/",
    home="/records/",
    entity=lambda e: f"/records/entity/{entity_slug(e)}",
    record=lambda r: f"/records/{r}",
)


@dataclass
class DocumentEntry:
    """A document of an entity index: its records, in clause order."""

    document_id: str
    title: str
    terms_type: str
    records: list[ExportRecord] = field(default_factory=list)


@dataclass
class EntityEntry:
    """An entity of the site index, with its documents."""

    entity: str
    documents: list[DocumentEntry] = field(default_factory=list)

    @property
    def records(self) -> int:
        return sum(len(d.records) for d in self.documents)


def group_by_entity(records: Iterable[ExportRecord]) -> list[EntityEntry]:
    """Records (in export order) grouped by entity, then document, order kept."""
    entities: dict[str, EntityEntry] = {}
    documents: dict[str, DocumentEntry] = {}
    for record in records:
        entry = entities.setdefault(record.entity, EntityEntry(record.entity))
        doc = documents.get(record.document_id)
        if doc is None:
            doc = DocumentEntry(record.document_id, record.document_title, record.terms_type)
            documents[record.document_id] = doc
            entry.documents.append(doc)
        doc.records.append(record)
    return list(entities.values())


def _day(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d") if moment else ""


def _moment(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else ""


def _category_labels() -> dict[str, str]:
    return {c.code: c.label for c in load_taxonomy().categories}


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("clauselens.web", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["day"] = _day
    env.filters["moment"] = _moment
    env.filters["web_url"] = web_url
    env.globals["LEVEL_WORDS"] = LEVEL_WORDS
    env.globals["EVIDENCE_WORDS"] = EVIDENCE_WORDS
    return env


class PageRenderer:
    """Renders record pages and indexes with one template environment."""

    def __init__(self, env: Environment | None = None) -> None:
        self.env = env or environment()
        self.labels = _category_labels()

    def _render(self, name: str, **context: Any) -> str:
        return str(self.env.get_template(name).render(labels=self.labels, **context))

    def record(self, record: ExportRecord, links: Links) -> str:
        """The page of one record."""
        quotes = list(record.analysis.evidence_quotes)
        similar_links = {
            s.record_id: links.record(s.record_id)
            for s in (record.cross_platform.similar if record.cross_platform else [])
        }
        return self._render(
            "record.html",
            r=record,
            a=record.analysis,
            links=links,
            clause_md=render_clause(record.clause_text, quotes),
            similar_links=similar_links,
        )

    def entity(self, entry: EntityEntry, links: Links) -> str:
        """The index of one entity: its documents and their records."""
        return self._render("entity.html", entry=entry, links=links)

    def home(self, entries: Sequence[EntityEntry], links: Links) -> str:
        """The index of every entity."""
        return self._render("records_home.html", entries=entries, links=links)


def severity_counts(records: Iterable[ExportRecord]) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for record in records:
        counts[record.severity] += 1
    return {level: counts[level] for level in LEVEL_WORDS if counts[level]}


__all__ = [
    "SERVER_LINKS",
    "DocumentEntry",
    "EntityEntry",
    "Links",
    "PageRenderer",
    "entity_slug",
    "group_by_entity",
    "severity_counts",
]
