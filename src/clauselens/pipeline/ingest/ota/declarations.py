"""Source URLs from a collection's declarations repository, as declared at a version's date.

``declarations/<service id>.json`` names the service (``name``, the folder name in the versions
repository) and declares each terms type under ``terms`` (older engines: ``documents``) with a
``fetch`` URL, or a ``combine`` list of pages each with its ``fetch``. ``<service id>.history.json``
maps terms types to earlier declarations, each valid until its ``validUntil`` (``ValidUntil`` in
some collections: both are read). The declaration in force at a date is the earliest history
entry whose ``validUntil`` is after it, else the current one. A capture's ``source_url`` is the
first page fetched; every page goes into its provenance.

Read once from the files on disk (the clone's working tree): a bad file is reported and skipped.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from clauselens.errors import SyncError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Declared:
    until: datetime | None  # None: the current declaration
    urls: tuple[str, ...]


@dataclass
class Declarations:
    """Per (service name, terms type), its declarations ordered by ``until`` (current last)."""

    by_document: dict[tuple[str, str], list[Declared]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def urls_at(self, service: str, terms_type: str, at: datetime) -> tuple[str, ...]:
        """The pages declared for the document at ``at`` (empty when none was)."""
        for declared in self.by_document.get((service, terms_type), []):
            if declared.until is None or declared.until > at:
                return declared.urls
        return ()


def _urls(declaration: Mapping[str, Any]) -> tuple[str, ...]:
    if isinstance(declaration.get("fetch"), str):
        return (declaration["fetch"],)
    pages = declaration.get("combine")
    if isinstance(pages, list):
        return tuple(
            p["fetch"] for p in pages if isinstance(p, dict) and isinstance(p.get("fetch"), str)
        )
    return ()


def _until(entry: Mapping[str, Any]) -> datetime | None:
    value = entry.get("validUntil") or entry.get("ValidUntil")
    if not isinstance(value, str):
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _terms(service: Mapping[str, Any]) -> Mapping[str, Any]:
    terms = service.get("terms", service.get("documents", {}))
    return terms if isinstance(terms, dict) else {}


def _read_service(found: Declarations, current: Path) -> None:
    service_id = current.name[: -len(".json")]
    data = _load(current)
    name = data.get("name") if isinstance(data, dict) else None
    name = name if isinstance(name, str) and name else service_id
    history = current.with_name(f"{service_id}.history.json")
    past = _load(history) if history.is_file() else {}
    for terms_type, entries in past.items() if isinstance(past, dict) else []:
        for entry in entries if isinstance(entries, list) else []:
            until = _until(entry) if isinstance(entry, dict) else None
            if until is not None:
                found.by_document.setdefault((name, terms_type), []).append(
                    Declared(until, _urls(entry))
                )
    for terms_type, declaration in _terms(data if isinstance(data, dict) else {}).items():
        if isinstance(declaration, dict):
            found.by_document.setdefault((name, terms_type), []).append(
                Declared(None, _urls(declaration))
            )


def read_declarations(folder: Path) -> Declarations:
    """Every declaration under ``folder`` (a declarations clone, or its ``declarations/``)."""
    where = folder / "declarations" if (folder / "declarations").is_dir() else folder
    if not where.is_dir():
        raise SyncError(str(folder), "not a declarations folder (expected declarations/*.json)")
    found = Declarations()
    for current in sorted(where.glob("*.json")):
        if current.name.endswith(".history.json"):
            continue
        try:
            _read_service(found, current)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            found.problems.append(f"{current.name}: {exc}")
            log.warning("declarations: skipped %s: %s", current, exc)
    for entries in found.by_document.values():
        far = datetime.max.replace(tzinfo=UTC)
        entries.sort(key=lambda d: d.until or far)
    if not found.by_document and not found.problems:
        raise SyncError(str(folder), "no declarations found (expected declarations/*.json)")
    return found
