"""Build one ``ExportRecord`` from store rows: the analysis shown, review, provenance, the
recent changes, the citation line and the plain-language FAQ."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from clauselens.export._select import RECENT_CHANGES, DocumentHead
from clauselens.schemas.analysis import ClauseAnalysis
from clauselens.schemas.export import (
    CrossPlatform,
    ExportFlag,
    ExportProvenance,
    ExportRecord,
    ExportReview,
    FaqEntry,
    RecentChange,
)
from clauselens.schemas.stored import SCHEMA_VERSION, AnalyzerName
from clauselens.store.queries import standing_data


def shown_analysis(row: Any) -> ClauseAnalysis:
    """The analysis as it stands: an analyst's edit when there is one, else the original."""
    return ClauseAnalysis.model_validate(standing_data(row))


def _day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d")


def citation(head: DocumentHead, record_id: str) -> str:
    """One line: entity, document, record id, captured at, content hash prefix, URL."""
    url = head.source_url or head.archive_url or "no source URL recorded"
    return (
        f'{head.entity}, "{head.title}", clauselens record {record_id}, '
        f"captured {head.captured_at.strftime('%Y-%m-%d %H:%M UTC')}, "
        f"sha256 {head.content_sha256[:12]}, {url}"
    )


def _agencies_answer(analysis: ClauseAnalysis) -> str:
    if not analysis.applicable_agencies:
        return "The analysis names no agency with authority over what this clause does."
    return " ".join(
        f"{a.name} ({a.jurisdiction}): {a.authority.rstrip('.')}."
        for a in analysis.applicable_agencies
    )


_CHANGE_WORDS: dict[str, str] = {
    "cosmetic": "changed in wording or formatting only",
}


def _changes_answer(changes: Sequence[RecentChange], first_tracked: datetime) -> str:
    if not changes:
        return (
            "No change to this provision has been recorded since tracking of the document "
            f"began on {_day(first_tracked)}."
        )
    latest = changes[0]
    severity = f", severity {latest.severity}" if latest.severity else ""
    impact = f": {latest.impact.rstrip('.')}." if latest.impact else "."
    more = f" {len(changes)} recent changes are recorded." if len(changes) > 1 else ""
    what = _CHANGE_WORDS.get(latest.change_class, latest.change_class)
    return f"Yes. On {_day(latest.date)} it was {what}{severity}{impact}{more}"


def faq(
    analysis: ClauseAnalysis, changes: Sequence[RecentChange], first_tracked: datetime
) -> list[FaqEntry]:
    """Plain-language questions and answers, built from the analysis and the changes."""
    pairs = [
        ("What does this clause do?", analysis.summary),
        ("Why does it matter?", analysis.why_it_matters),
        ("How does it affect users?", analysis.consumer_impact),
        ("Which agencies are involved?", _agencies_answer(analysis)),
        ("Did it change recently?", _changes_answer(changes, first_tracked)),
    ]
    return [FaqEntry(question=q, answer=a) for q, a in pairs]


def recent_changes(rows: Sequence[Any], provision_id: str) -> list[RecentChange]:
    """The provision's newest changes (at most ``RECENT_CHANGES``), newest first. A synthetic
    change analysis (the fake API server's) is never exported: its change shows no severity
    and no impact."""
    out = []
    for row in rows[:RECENT_CHANGES]:
        synthetic = bool((row.change_provenance or {}).get("synthetic"))
        detail = row.change_analysis if isinstance(row.change_analysis, dict) else {}
        detail = {} if synthetic else detail
        impact = detail.get("consumer_impact") or detail.get("what_changed")
        out.append(
            RecentChange(
                date=row.at,
                provision=provision_id,
                change_class=row.change_class,
                severity=None if synthetic else row.severity or detail.get("severity"),
                impact=impact,
            )
        )
    return out


def build_record(
    head: DocumentHead,
    clause: Any,
    analysis_row: Any,
    *,
    other_analyzers: list[AnalyzerName],
    flag_rows: Sequence[Any],
    change_rows: Sequence[Any],
    cross_platform: CrossPlatform | None = None,
) -> ExportRecord:
    """The export record of one provision (``clause``) shown with ``analysis_row``."""
    analysis = shown_analysis(analysis_row)
    changes = recent_changes(change_rows, clause.provision_id)
    return ExportRecord(
        record_id=clause.provision_id,
        document_id=head.document_id,
        entity=head.entity,
        document_title=head.title,
        terms_type=head.terms_type,
        heading_path=list(clause.heading_path),
        clause_index=clause.idx,
        clause_text=clause.text,
        analysis=analysis,
        severity=analysis.severity,
        confidence=analysis.confidence,
        evidence_type=analysis.evidence_type,
        categories=list(analysis.categories),
        flags=[ExportFlag(code=f.code, priority=f.priority, reason=f.reason) for f in flag_rows],
        review=ExportReview(
            status=analysis_row.review_status,
            reviewer=analysis_row.reviewed_by,
            reviewed_at=analysis_row.reviewed_at,
            edited=analysis_row.reviewed_analysis is not None,
        ),
        first_tracked=head.first_tracked,
        last_verified=head.last_verified,
        provenance=ExportProvenance(
            source_url=head.source_url,
            archive_url=head.archive_url,
            content_sha256=head.content_sha256,
            clause_sha256=clause.clause_sha256,
            captured_at=head.captured_at,
            captured_at_source=head.captured_at_source,
            analyzer=analysis_row.analyzer,
            other_analyzers=other_analyzers,
            model=analysis_row.model,
            prompt_version=analysis_row.prompt_version,
            analysis_schema_version=analysis_row.schema_version or SCHEMA_VERSION,
            generated_at=analysis_row.generated_at,
            input_truncated=bool(analysis_row.input_truncated),
            truncation_reason=clause.truncation_reason,
        ),
        recent_changes=changes,
        cross_platform=cross_platform,
        citation=citation(head, clause.provision_id),
        faq=faq(analysis, changes, head.first_tracked),
    )
