"""Atom feeds of published changes (RFC 4287): one entry per change, newest first.

Each entry carries the change analysis (what changed, the impact, the direction for users), the
severity and categories as Atom categories, and a link to the provision's record page when it
has one. Entry ids are the changes' stable ids (``ChangeEntry.change_id``) and the feed's id is
derived from its filters, so a reader never sees the same change twice or a rebuilt store as new.
``updated`` is the newest entry's date (or ``generated_at`` when given), so the same store and
filters give the same bytes.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO
from xml.etree import ElementTree as ET

import sqlalchemy as sa

from clauselens.export._writers import atomic_file, iso
from clauselens.export.changes import ChangeFilters, published_changes
from clauselens.schemas.published import ChangeEntry

ATOM = "http://www.w3.org/2005/Atom"
FEED_LIMIT = 100
SCHEMES = {
    "class": "urn:clauselens:change-class",
    "severity": "urn:clauselens:severity",
    "category": "urn:clauselens:category",
}
RecordLink = Callable[[str], str]


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    """``value`` without the characters XML 1.0 cannot carry (a captured clause may hold them)."""
    return _NOT_XML.sub("", value)


def _tag(name: str) -> str:
    return f"{{{ATOM}}}{name}"


def _sub(parent: ET.Element, name: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, _tag(name), {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        element.text = xml_text(text)
    return element


def feed_id(filters: ChangeFilters) -> str:
    """The feed's id: the same filters give the same id."""
    key = repr(
        (
            filters.entity,
            filters.document,
            filters.severity,
            filters.category,
            filters.classes,
            filters.since.isoformat() if filters.since else None,
        )
    )
    return f"urn:clauselens:feed:changes:{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def entry_title(entry: ChangeEntry) -> str:
    severity = (entry.severity or "unrated").capitalize()
    where = " › ".join(entry.heading_path) or "(before the first heading)"
    return f"[{severity}] {entry.entity} · {entry.document_title}: {entry.change_class} · {where}"


def _content(entry: ChangeEntry) -> str:
    """The entry's body as HTML (escaped into the feed as Atom ``type="html"``)."""
    parts = []
    if entry.what_changed:
        parts.append(f"<p><strong>What changed:</strong> {html.escape(entry.what_changed)}</p>")
    parts.append(f"<p><strong>Impact:</strong> {html.escape(entry.impact)}</p>")
    if entry.direction:
        direction = entry.direction.replace("_", " ")
        parts.append(f"<p><strong>Direction for users:</strong> {html.escape(direction)}</p>")
    parts.append(f"<p><strong>Severity:</strong> {html.escape(entry.severity or 'unrated')}</p>")
    parts.append(f"<p>Record {html.escape(entry.record_id)}</p>")
    return "".join(parts)


def _entry(feed: ET.Element, entry: ChangeEntry, record_link: RecordLink) -> None:
    element = _sub(feed, "entry")
    _sub(element, "id", f"urn:clauselens:change:{entry.change_id}")
    _sub(element, "title", entry_title(entry))
    _sub(element, "updated", iso(entry.date))
    _sub(element, "published", iso(entry.date))
    if entry.has_record:
        _sub(element, "link", rel="alternate", type="text/html", href=record_link(entry.record_id))
    _sub(element, "category", term=entry.change_class, scheme=SCHEMES["class"])
    if entry.severity:
        _sub(element, "category", term=entry.severity, scheme=SCHEMES["severity"])
    for code in entry.categories:
        _sub(element, "category", term=code, scheme=SCHEMES["category"])
    _sub(element, "summary", entry.impact)
    _sub(element, "content", _content(entry), type="html")


def atom_feed(
    entries: Sequence[ChangeEntry],
    filters: ChangeFilters,
    *,
    record_link: RecordLink,
    self_link: str | None = None,
    generated_at: datetime | None = None,
) -> bytes:
    """The Atom document of ``entries`` (UTF-8 bytes)."""
    feed = ET.Element(_tag("feed"))
    _sub(feed, "id", feed_id(filters))
    _sub(feed, "title", "clauselens: changes of tracked policies")
    updated = generated_at or max(
        (e.date for e in entries), default=datetime(1970, 1, 1, tzinfo=UTC)
    )
    _sub(feed, "updated", iso(updated))
    author = _sub(feed, "author")
    _sub(author, "name", "clauselens")
    _sub(feed, "generator", "clauselens")
    if self_link:
        _sub(feed, "link", rel="self", type="application/atom+xml", href=self_link)
    for entry in entries:
        _entry(feed, entry, record_link)
    ET.register_namespace("", ATOM)
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return body + b"\n"


def changes_feed(
    engine: sa.Engine,
    filters: ChangeFilters,
    *,
    record_link: RecordLink,
    self_link: str | None = None,
    limit: int = FEED_LIMIT,
    generated_at: datetime | None = None,
) -> tuple[bytes, int]:
    """The feed of the newest ``limit`` selected changes, and how many entries it has."""
    with engine.connect() as conn:
        entries, _ = published_changes(conn, filters, limit=limit)
    body = atom_feed(
        entries, filters, record_link=record_link, self_link=self_link, generated_at=generated_at
    )
    return body, len(entries)


def static_record_link(base_url: str | None) -> RecordLink:
    """Links to the static site's record pages: under ``base_url``, else relative to a feed
    written at the site's top (``clauselens export --format html``)."""
    prefix = f"{base_url.rstrip('/')}/" if base_url else ""
    return lambda record_id: f"{prefix}records/{record_id}.html"


def write_feed(
    engine: sa.Engine,
    filters: ChangeFilters,
    dest: Path | IO[bytes],
    *,
    base_url: str | None = None,
    limit: int = FEED_LIMIT,
    generated_at: datetime | None = None,
) -> int:
    """Write the feed to a file (atomically) or a stream; how many entries it has."""
    body, count = changes_feed(
        engine,
        filters,
        record_link=static_record_link(base_url),
        self_link=f"{base_url.rstrip('/')}/changes.atom" if base_url else None,
        limit=limit,
        generated_at=generated_at,
    )
    if isinstance(dest, Path):
        with atomic_file(dest) as fh:
            fh.write(body)
    else:
        dest.write(body)
        dest.flush()
    return count
