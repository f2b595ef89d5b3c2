"""The record pages as a static site (``clauselens export --format html --out DIR``).

Layout, usable from the file system or any static host (every link is relative)::

    DIR/index.html                 every entity, with its document and record counts
    DIR/entities/<slug>.html       one index per entity: its documents and their records
    DIR/records/CL-P-....html      one page per record (the same page ``clauselens serve`` shows)
    DIR/static/record.css          the stylesheet (screen and print)

The site is built in a temporary folder beside ``DIR`` and moved into place when complete, so
a reader never sees half a site and records no longer exported do not linger. ``DIR`` must be
absent, empty, or a site written before (it holds ``SITE_MARKER``).
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

import sqlalchemy as sa

from clauselens.errors import UsageError
from clauselens.export import CrossPlatformLookup, ExportFilters, ExportStats, iter_records
from clauselens.schemas.export import ExportRecord
from clauselens.web.pages import Links, PageRenderer, entity_slug, group_by_entity

STATIC = Path(__file__).parent / "static"
SITE_MARKER = ".clauselens-site"
_RECORD_ID = re.compile(r"CL-P-[0-9a-f]{6,32}")


def _record_file(record_id: str) -> str:
    if not _RECORD_ID.fullmatch(record_id):  # an id names a file: never a path
        raise UsageError(f"unexpected record id {record_id!r}")
    return f"{record_id}.html"


def site_links(where: str, published: set[str]) -> Links:
    """Relative links from a page in ``where`` ("", "records" or "entities")."""
    up = "../" if where else ""

    def record(record_id: str) -> str | None:
        if record_id not in published:
            return None
        name = _record_file(record_id)
        return name if where == "records" else f"{up}records/{name}"

    def entity(name: str) -> str:
        file = f"{entity_slug(name)}.html"
        return file if where == "entities" else f"{up}entities/{file}"

    return Links(static=f"{up}static/", home=f"{up}index.html", entity=entity, record=record)


def _check_destination(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / SITE_MARKER).exists():
        raise UsageError(
            f"{out} is not empty and was not written by clauselens: give a new or empty folder"
        )


def _write(folder: Path, records: list[ExportRecord], renderer: PageRenderer) -> None:
    published = {r.record_id for r in records}
    entries = group_by_entity(records)
    (folder / "records").mkdir()
    (folder / "entities").mkdir()
    (folder / "static").mkdir()
    shutil.copyfile(STATIC / "record.css", folder / "static" / "record.css")
    at_record = site_links("records", published)
    for record in records:
        page = renderer.record(record, at_record)
        (folder / "records" / _record_file(record.record_id)).write_text(page, encoding="utf-8")
    at_entity = site_links("entities", published)
    for entry in entries:
        page = renderer.entity(entry, at_entity)
        (folder / "entities" / f"{entity_slug(entry.entity)}.html").write_text(page, "utf-8")
    home = renderer.home(entries, site_links("", published))
    (folder / "index.html").write_text(home, encoding="utf-8")
    (folder / SITE_MARKER).write_text("written by clauselens export --format html\n", "utf-8")


def write_site(
    engine: sa.Engine,
    out: Path,
    filters: ExportFilters | None = None,
    *,
    cross_platform: CrossPlatformLookup | bool = True,
) -> ExportStats:
    """Write the record pages of the selected records as a static site in ``out``."""
    _check_destination(out)
    stats = ExportStats()
    records = list(iter_records(engine, filters, stats=stats, cross_platform=cross_platform))
    out.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        building.chmod(0o755)
        _write(building, records, PageRenderer())
        if out.exists():
            shutil.rmtree(out)
        building.rename(out)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return stats
