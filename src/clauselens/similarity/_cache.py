"""The similarity index cached in the store (table ``similarity_cache``), pickle-free; and the
state of the last uniqueness placement (``uniqueness``), as JSON under its own row name.

The row holds the two files ``similarity.persist.save_index`` writes: ``index.json`` as text and
``arrays.npz`` as bytes (read back with ``allow_pickle=False``), with the embedder's name and
version and the store fingerprint the index was refreshed at. Keeping it in the store means it
travels with the database file and is shared by every process that opens it.
"""

from __future__ import annotations

import json
import logging
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from clauselens.similarity import SimilarityIndex, load_index, save_index
from clauselens.similarity.persist import FORMAT
from clauselens.store import tables as t

log = logging.getLogger(__name__)

CACHE_NAME = "default"
PLACEMENT_NAME = "placement"
PLACEMENT_FORMAT = "placement/1"


@dataclass(frozen=True)
class Cached:
    """A cached index and the store fingerprint it was saved at."""

    index: SimilarityIndex
    fingerprint: str


def method_of(index: SimilarityIndex) -> str:
    """The embedder's name and version, e.g. ``tfidf tfidf-1:0123abcd...``."""
    return f"{index.embedder.name} {index.embedder.version}"


def load_cached(conn: sa.Connection) -> Cached | None:
    """The cached index, or None when there is none or it cannot be read (then it is rebuilt)."""
    c = t.similarity_cache.c
    row = conn.execute(
        sa.select(c.format, c.fingerprint, c.meta, c.arrays).where(c.name == CACHE_NAME)
    ).first()
    if row is None:
        return None
    if row.format != FORMAT:
        log.info("similarity cache has format %s, not %s: rebuilding", row.format, FORMAT)
        return None
    with tempfile.TemporaryDirectory(prefix="clauselens-sim-") as tmp:
        folder = Path(tmp)
        (folder / "index.json").write_text(row.meta, encoding="utf-8")
        (folder / "arrays.npz").write_bytes(row.arrays)
        try:
            index = load_index(folder)
        except (ValueError, KeyError, OSError) as exc:
            log.warning("similarity cache unreadable (%s): rebuilding", exc)
            return None
    return Cached(index, str(row.fingerprint))


def save_cached(conn: sa.Connection, index: SimilarityIndex, fingerprint: str) -> None:
    """Replace the cached index with ``index``."""
    with tempfile.TemporaryDirectory(prefix="clauselens-sim-") as tmp:
        folder = save_index(index, tmp)
        meta = (folder / "index.json").read_text(encoding="utf-8")
        arrays = (folder / "arrays.npz").read_bytes()
    values = {
        "format": FORMAT,
        "embedder": method_of(index)[:80],
        "fingerprint": fingerprint,
        "items": len(index),
        "meta": meta,
        "arrays": arrays,
        "updated_at": datetime.now(UTC),
    }
    _upsert(conn, CACHE_NAME, values)


def _upsert(conn: sa.Connection, name: str, values: dict[str, Any]) -> None:
    """Replace the row ``name`` of ``similarity_cache`` (insert it the first time)."""
    table = t.similarity_cache
    updated = conn.execute(table.update().where(table.c.name == name).values(**values))
    if updated.rowcount == 0:
        try:
            with conn.begin_nested():
                conn.execute(table.insert().values(name=name, **values))
        except IntegrityError:  # another process saved it first meanwhile: replace it
            conn.execute(table.update().where(table.c.name == name).values(**values))


def touch_fingerprint(conn: sa.Connection, fingerprint: str) -> None:
    """Record that the cached index is current at ``fingerprint`` (nothing else changed)."""
    table = t.similarity_cache
    conn.execute(table.update().where(table.c.name == CACHE_NAME).values(fingerprint=fingerprint))


def load_placement(conn: sa.Connection) -> dict[str, Any] | None:
    """The last uniqueness placement's state (``uniqueness.PlacementState`` as JSON), if any."""
    c = t.similarity_cache.c
    row = conn.execute(sa.select(c.format, c.meta).where(c.name == PLACEMENT_NAME)).first()
    if row is None or row.format != PLACEMENT_FORMAT:
        return None
    try:
        state = json.loads(row.meta)
    except json.JSONDecodeError:
        return None
    return state if isinstance(state, dict) else None


def save_placement(conn: sa.Connection, state: dict[str, Any], method: str, items: int) -> None:
    """Replace the stored placement state (kept in ``similarity_cache`` under its own name)."""
    values = {
        "format": PLACEMENT_FORMAT,
        "embedder": method[:80],
        "fingerprint": "",
        "items": items,
        "meta": json.dumps(state, separators=(",", ":")),
        "arrays": b"",
        "updated_at": datetime.now(UTC),
    }
    _upsert(conn, PLACEMENT_NAME, values)
