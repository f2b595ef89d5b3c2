"""What an export selects: ``ExportFilters`` (validated at the edge) and ``ExportStats``.

Review-status filters (``status``), all applied to the analysis a record shows:

==========  =========================================  ====================================
filter      review statuses exported                   for
==========  =========================================  ====================================
default     pending, approved, edited                  everything not known to be wrong
approved    approved, edited                           publication: an analyst accepted it
reviewed    approved, edited, rejected                 auditing analysts' decisions
all         pending, approved, edited, rejected        everything (rejected marked rejected)
==========  =========================================  ====================================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Literal, get_args

from clauselens.errors import UsageError

StatusFilter = Literal["default", "approved", "reviewed", "all"]
Severity = Literal["high", "medium", "low"]
Analyzer = Literal["claude", "offline"]

STATUS_FILTERS: dict[str, frozenset[str]] = {
    "default": frozenset({"pending", "approved", "edited"}),
    "approved": frozenset({"approved", "edited"}),
    "reviewed": frozenset({"approved", "edited", "rejected"}),
    "all": frozenset({"pending", "approved", "edited", "rejected"}),
}


def parse_time(value: str | datetime | date, *, what: str) -> datetime:
    """An ISO 8601 date or time as an aware UTC datetime; a naive value is taken as UTC."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    else:
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise UsageError(f"{what}: {value!r} is not an ISO 8601 date or time") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _one_of(value: str | None, choices: tuple[str, ...], what: str) -> str | None:
    if value is not None and value not in choices:
        raise UsageError(f"{what} must be one of {', '.join(choices)}, not {value!r}")
    return value


@dataclass(frozen=True)
class ExportFilters:
    """Which records an export yields. ``entity`` and ``document`` match case-insensitively;
    ``document`` is a document id or a title. ``since`` keeps records whose clause, analysis or
    review is that recent (version captured, analysis generated or reviewed at or after it).
    ``record``: only the provision with this record id (``CL-P-...``)."""

    entity: str | None = None
    document: str | None = None
    status: StatusFilter = "default"
    severity: Severity | None = None
    since: datetime | None = None
    analyzer: Analyzer | None = None
    record: str | None = None

    @classmethod
    def of(
        cls,
        *,
        entity: str | None = None,
        document: str | None = None,
        status: str | None = None,
        severity: str | None = None,
        since: str | datetime | date | None = None,
        analyzer: str | None = None,
        record: str | None = None,
    ) -> ExportFilters:
        """Validated filters from loose values (the CLI's strings or a caller's keywords)."""
        _one_of(status, tuple(STATUS_FILTERS), "status")
        _one_of(severity, get_args(Severity), "severity")
        _one_of(analyzer, get_args(Analyzer), "analyzer")
        return cls(
            entity=entity or None,
            document=document or None,
            status=status or "default",  # type: ignore[arg-type]
            severity=severity,  # type: ignore[arg-type]
            since=parse_time(since, what="since") if since is not None else None,
            analyzer=analyzer,  # type: ignore[arg-type]
            record=record or None,
        )

    @property
    def statuses(self) -> frozenset[str]:
        return STATUS_FILTERS[self.status]


@dataclass
class ExportStats:
    """What an export wrote and what it left out, and why."""

    exported: int = 0
    failed: int = 0  # provisions whose only analyses failed
    unanalysed: int = 0  # provisions with no analysis yet
    headings: int = 0  # provisions that are only heading lines (never analysed)
    rejected: int = 0  # left out because the analysis shown was rejected
    filtered: int = 0  # left out by the status, severity or since filters
    synthetic: int = 0  # provisions whose only analyses came from the fake API server
    by_status: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        return (
            f"exported {self.exported} record(s); left out: {self.failed} failed analysis(es), "
            f"{self.unanalysed} provision(s) without an analysis, {self.headings} heading-only, "
            f"{self.rejected} rejected, "
            f"{self.filtered} by filters, "
            f"{self.synthetic} with only synthetic (fake API server) analyses"
        )
