"""Seeding the store for the review, web and flag tests, through the library.

Documents and clauses come from ``ingest_one`` over a Markdown capture (so versions, clauses,
provisions and cut-off marks are what a run would store); analyses from ``save_result``.

The analyses below are fixtures written by the project for tests (not model output): they are
schema-valid and quote the real clause text copied from ``fixtures/ota``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from clauselens.config import SegmentSettings, load_settings
from clauselens.pipeline.analyze.persist import save_result
from clauselens.pipeline.ingest.captures import ingest_one
from clauselens.pipeline.ingest.manifest import CaptureMeta
from clauselens.schemas import AnalysisResult, ClauseAnalysis, Provenance
from clauselens.store import tables as t

NOW = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)

HIGH_RISK = (
    "Some use cases pose an elevated risk of harm because they influence domains that are vital "
    "to public welfare and social equity. For these use cases, given potential risks to "
    "individuals and consumers, we believe that relevant human expertise should be integrated "
    "and that end-users should be aware when AI has been involved in producing outputs.\n\n"
    "*   **Human-in-the-loop:** When using our products or services to provide advice, "
    "recommendations, or in subjective decision-making directly affecting **individuals or "
    "consumers**, a qualified professional in that field must review the content or decision "
    "prior to dissemination or finalization."
)
ARBITRATION = (
    "Jurisdiction and Venue. Except as otherwise provided in these Terms, any legal action that "
    "is not subject to arbitration must be brought exclusively in the state or federal courts "
    "located in Delaware. You and Bluesky consent to personal jurisdiction and venue in those "
    "courts and waive any objections based on forum or convenience."
)
#: Where ``seed_queue`` puts ``ARBITRATION`` in the Bluesky terms.
VENUE_HEADINGS = ("13. Governing Law", "Jurisdiction")
HOSTILE = (
    "Users agree to the terms. <script>alert(1)</script> Content may be removed at any time. "
    '"><img src=x onerror=alert(1)> We may suspend accounts without notice.'
)


def _next_capture_time(engine: sa.Engine, entity: str, title: str) -> datetime:
    """NOW for a document's first capture, then a minute after its latest one."""
    d, c = t.documents.c, t.captures.c
    with engine.connect() as conn:
        latest = conn.execute(
            sa.select(sa.func.max(c.captured_at))
            .join(t.documents, d.id == c.document_pk)
            .where(d.entity == entity, d.title == title)
        ).scalar_one()
    return NOW if latest is None else latest.replace(tzinfo=UTC) + timedelta(minutes=1)


def add_document(
    engine: sa.Engine,
    entity: str,
    title: str,
    sections: Sequence[tuple[Sequence[str], str]],
    *,
    cut_off: bool = False,
    prompt_max_chars: int = 30_000,
) -> list[tuple[int, str]]:
    """Ingest a Markdown capture of (entity, title) through ``ingest_one``.

    Each section is (heading path, text): the headings become ``#`` lines above the text. Returns,
    for each section, the (id, clause_sha256) of the clause that holds its text. ``cut_off`` ends
    the capture with an ellipsis (ingest marks the version as looking cut off); a clause over
    ``prompt_max_chars`` is marked truncated by segmentation.
    """
    lines: list[str] = []
    previous: tuple[str, ...] = ()
    for path, text in sections:
        for depth in range(len(path)):
            if previous[: depth + 1] != tuple(path[: depth + 1]):
                lines.append(f"{'#' * (depth + 1)} {path[depth]}")
        lines.append(text)
        previous = tuple(path)
    if cut_off:
        lines.append("The remaining terms are set out in …")
    settings = load_settings(
        {"db_url": engine.url.render_as_string(hide_password=False)}
    ).model_copy(update={"segment": SegmentSettings(prompt_max_chars=prompt_max_chars)})
    with tempfile.TemporaryDirectory() as folder:
        capture = Path(folder) / "capture.md"
        capture.write_text("\n\n".join(lines) + "\n", encoding="utf-8")
        at = _next_capture_time(engine, entity, title)
        outcome = ingest_one(engine, CaptureMeta(capture, entity, title, title, at), settings)
    assert outcome.version_pk is not None, outcome
    c = t.clauses.c
    with engine.connect() as conn:
        clauses = conn.execute(
            sa.select(c.id, c.clause_sha256, c.text).where(c.version_pk == outcome.version_pk)
        ).all()
    return [
        next((r.id, r.clause_sha256) for r in clauses if text in r.text) for _, text in sections
    ]


def analysis_of(quote: str, **changes: Any) -> ClauseAnalysis:
    """A plausible, schema-valid analysis quoting ``quote``; ``changes`` override fields."""
    data: dict[str, Any] = {
        "title": "Human review of high-risk outputs",
        "summary": "Operators must have a qualified professional review high-risk outputs.",
        "why_it_matters": "It moves responsibility for accuracy onto the operator.",
        "consumer_impact": "Consumers get advice checked by a professional.",
        "institutional_analysis": {
            "regulatory_landscape": "EU AI Act Annex III; FTC Act s.5.",
            "governance_exposure": {"level": "medium", "rationale": "Sector-specific duties."},
            "jurisdiction_flags": [{"jurisdiction": "EU", "note": "High-risk AI obligations."}],
            "contract_and_vendor_implications": "Vendor contracts must allocate review duties.",
            "compliance_considerations": "Document the human review step.",
        },
        "applicable_agencies": [
            {"name": "FTC", "jurisdiction": "US", "authority": "Unfair or deceptive practices."}
        ],
        "severity": "medium",
        "confidence": "high",
        "confidence_rationale": "The clause states the duty explicitly.",
        "evidence_type": "explicit_language",
        "evidence_quotes": [quote],
        "categories": ["human_oversight"],
        "truncation_note": None,
    }
    data.update(changes)
    return ClauseAnalysis.model_validate(data)


def save_analysis(
    engine: sa.Engine,
    clause: tuple[int, str],
    analysis: ClauseAnalysis | None,
    *,
    analyzer: str = "claude",
    status: str = "valid",
    **extra: Any,
) -> int:
    """Save an analysis through ``persist.save_result`` (so flags are computed as in a run)."""
    provenance: dict[str, Any] = {
        "analyzer": analyzer,
        "model": "offline-rules" if analyzer == "offline" else "claude-sonnet-5-5",
        "prompt_id": "clause-analysis",
        "prompt_version": "p1",
        "generated_at": NOW,
        "stop_reason": "end_turn",
    }
    provenance.update(extra.pop("provenance", {}))
    result = AnalysisResult(
        clause_sha256=clause[1],
        status=status,  # type: ignore[arg-type]
        analysis=analysis,
        provenance=Provenance.model_validate(provenance),
        **extra,
    )
    with engine.begin() as conn:
        return save_result(conn, result, clause_pk=clause[0])


def seed_queue(engine: sa.Engine) -> dict[str, int]:
    """Three analyses: a high-severity unsure one, a plain one, and one of a hostile clause."""
    [high_risk] = add_document(
        engine,
        "Claude.ai",
        "Acceptable Use Policy",
        [(["Usage Policy", "High-Risk Use Cases"], HIGH_RISK)],
    )
    [venue] = add_document(engine, "Bluesky", "Terms of Service", [(VENUE_HEADINGS, ARBITRATION)])
    [hostile] = add_document(
        engine,
        "Example <b>Corp</b>",
        "Terms of Service",
        [(["<script>alert(1)</script>"], HOSTILE)],
    )
    unsure = analysis_of(
        "a qualified professional in that field must review the content",
        severity="high",
        confidence="medium",
    )
    plain = analysis_of(
        "must be brought exclusively in the state or federal courts located in Delaware",
        title="Delaware courts for non-arbitrable disputes",
        summary="Disputes outside arbitration must be brought in Delaware courts.",
        why_it_matters="Users far from Delaware face cost and travel to sue.",
        consumer_impact="Consumers waive objections to forum and convenience.",
        confidence_rationale="The clause is clear but its reach depends on Section 13.",
        categories=["jurisdiction"],
        confidence="low",
    )
    nasty = analysis_of(
        "<script>alert(1)</script>",
        title='"><img src=x onerror=alert(1)>',
        summary="<script>alert(1)</script> summary",
        why_it_matters="Content can be removed and accounts suspended without notice.",
        consumer_impact='Users may lose access "><img src=x onerror=alert(1)> abruptly.',
        confidence_rationale="A short test clause with hostile markup.",
        categories=["content_removal"],
        confidence="low",
    )
    return {
        "unsure": save_analysis(engine, high_risk, unsure),
        "plain": save_analysis(engine, venue, plain),
        "hostile": save_analysis(engine, hostile, nasty),
    }
