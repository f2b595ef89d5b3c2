"""Seeding the store for the review, web and flag tests: documents, clauses and analyses.

The analyses below are fixtures written by the project for tests (not model output): they are
schema-valid and quote the real clause text copied from ``fixtures/ota``.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from clauselens.pipeline.analyze.persist import save_result
from clauselens.schemas import AnalysisResult, ClauseAnalysis, Provenance
from clauselens.store import insert_pk
from clauselens.store import tables as t
from clauselens.textnorm import clause_sha256

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
HOSTILE = (
    "Users agree to the terms. <script>alert(1)</script> Content may be removed at any time. "
    '"><img src=x onerror=alert(1)> We may suspend accounts without notice.'
)


def add_document(engine: sa.Engine, entity: str, title: str, *, cut_off: str | None = None) -> int:
    """A new version of the (entity, title) document, created when needed; returns its id.

    The version looks cut off when ``cut_off`` gives a reason.
    """
    d = t.documents.c
    with engine.begin() as conn:
        doc = conn.execute(
            sa.select(d.id).where(d.entity == entity, d.title == title)
        ).scalar_one_or_none() or insert_pk(
            conn,
            t.documents.insert().values(
                document_id=hashlib.sha256(f"{entity}/{title}".encode()).hexdigest()[:16],
                entity=entity,
                title=title,
                terms_type=title,
                first_tracked=NOW,
                last_verified=NOW,
            ),
        )
        return insert_pk(
            conn,
            t.versions.insert().values(
                document_pk=doc,
                capture_pk=0,
                captured_at=NOW,
                text="",
                text_sha256="0" * 64,
                extractor="test",
                looks_cut_off=cut_off is not None,
                cut_off_reason=cut_off,
            ),
        )


def add_clause(
    engine: sa.Engine,
    version_pk: int,
    text: str,
    heading: list[str],
    *,
    truncation_reason: str | None = None,
) -> tuple[int, str]:
    """A clause of ``version_pk``; returns its id and clause_sha256."""
    sha = clause_sha256(text)
    with engine.begin() as conn:
        idx = conn.execute(
            sa.select(sa.func.count()).where(t.clauses.c.version_pk == version_pk)
        ).scalar_one()
        pk = insert_pk(
            conn,
            t.clauses.insert().values(
                version_pk=version_pk,
                idx=idx,
                heading_path=heading,
                text=text,
                start=0,
                end=len(text),
                clause_sha256=sha,
                truncated=truncation_reason is not None,
                truncation_reason=truncation_reason,
            ),
        )
    return pk, sha


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
    anthropic = add_document(engine, "Claude.ai", "Acceptable Use Policy")
    bluesky = add_document(engine, "Bluesky", "Terms of Service")
    hostile_doc = add_document(engine, "Example <b>Corp</b>", "Terms of Service")
    high_risk = add_clause(engine, anthropic, HIGH_RISK, ["Usage Policy", "High-Risk Use Cases"])
    venue = add_clause(engine, bluesky, ARBITRATION, ["13. Governing Law", "Jurisdiction"])
    hostile = add_clause(engine, hostile_doc, HOSTILE, ["<script>alert(1)</script>"])
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
