"""What an Open Terms Archive commit records: which documents, of which kind, from which snapshots.

A versions repository holds ``<Service>/<Terms type>.md`` at its top (plus ``README.md``,
``LICENSE`` and the like, which are not documents). Each commit's message says what kind of
record it is; the wording changed across engine versions (``../shared/notes/ota-versions.md``):

| kind | messages |
|---|---|
| ``first`` | ``First record of ...``, ``Start tracking ...`` |
| ``change`` | ``Record new changes of ...``, ``Update ...`` |
| ``technical`` | ``Apply technical or declaration upgrade on ...``, ``Refilter ...`` |

A ``technical`` record is text re-extracted because the collection's filters or declaration
changed, not because the service changed anything: its version's differences are cosmetic with
the reason ``TECHNICAL_UPGRADE``. Any other message (a maintainer's hand edit) is ``other`` and
recorded as an ordinary version. The body's snapshot links and ``X-engine-version`` trailer go
into the capture's provenance.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal

Kind = Literal["first", "change", "technical", "other"]

#: The reason a technical upgrade's differences are cosmetic (``captures.change_reason``).
TECHNICAL_UPGRADE = "technical upgrade"

_KINDS: tuple[tuple[re.Pattern[str], Kind], ...] = (
    (re.compile(r"^(?:First record of|Start tracking)\s"), "first"),
    (re.compile(r"^(?:Record new changes of|Update)\s"), "change"),
    (re.compile(r"^(?:Apply technical or declaration upgrade on|Refilter)\s"), "technical"),
)
_SNAPSHOT = re.compile(r"https?://\S+?/commit/[0-9a-fA-F]{7,40}")
_ENGINE = re.compile(r"^X-engine-version:\s*(\S+)", re.MULTILINE)
DOCUMENT_SUFFIX = ".md"


@dataclass(frozen=True)
class RecordKind:
    kind: Kind
    snapshots: tuple[str, ...]
    engine_version: str | None

    @property
    def change_reason(self) -> str | None:
        return TECHNICAL_UPGRADE if self.kind == "technical" else None


def record_kind(message: str) -> RecordKind:
    """The kind of record a commit message announces, its snapshot links and engine version."""
    subject = message.split("\n", 1)[0].strip()
    kind: Kind = next((k for pattern, k in _KINDS if pattern.match(subject)), "other")
    engine = _ENGINE.search(message)
    return RecordKind(
        kind, tuple(dict.fromkeys(_SNAPSHOT.findall(message))), engine.group(1) if engine else None
    )


def document_of(path: str) -> tuple[str, str] | None:
    """``("ChatGPT", "Privacy Policy")`` for ``ChatGPT/Privacy Policy.md``; ``None`` for files
    that are not documents (top-level files, hidden folders, deeper paths, other suffixes)."""
    parts = PurePosixPath(path).parts
    if len(parts) != 2 or parts[0].startswith(".") or not parts[1].endswith(DOCUMENT_SUFFIX):
        return None
    terms_type = parts[1][: -len(DOCUMENT_SUFFIX)].strip()
    service = parts[0].strip()
    return (service, terms_type) if service and terms_type else None
