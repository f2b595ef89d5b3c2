"""The review library over a real store; also the seeding helpers the review/web tests share.

The analyses below are fixtures written by the project for tests (not model output): they are
schema-valid and quote the real clause text copied from ``fixtures/ota``.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from clauselens import review
from clauselens.errors import NotFoundError, ReviewError
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


def store(
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
        "unsure": store(engine, high_risk, unsure),
        "plain": store(engine, venue, plain),
        "hostile": store(engine, hostile, nasty),
    }


@pytest.fixture
def seeded(engine: sa.Engine) -> dict[str, int]:
    return seed_queue(engine)


class TestQueue:
    def test_queue_is_ordered_by_flag_priority_then_severity(
        self, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """high_severity_unsure (20) comes before the two low_confidence (50) items."""
        items = review.list_queue(engine)
        assert items[0].analysis_pk == seeded["unsure"]
        assert [f.code for f in items[0].flags] == ["high_severity_unsure"]
        assert items[0].entity == "Claude.ai"

    def test_filters_narrow_the_queue(self, engine: sa.Engine, seeded: dict[str, int]) -> None:
        """Filtering by flag, entity, severity and status keeps only matching analyses."""
        by_flag = review.list_queue(engine, review.QueueFilter(flag="low_confidence"))
        assert {i.analysis_pk for i in by_flag} == {seeded["plain"], seeded["hostile"]}
        by_entity = review.list_queue(engine, review.QueueFilter(entity="Bluesky"))
        assert [i.analysis_pk for i in by_entity] == [seeded["plain"]]
        assert review.list_queue(engine, review.QueueFilter(severity="low")) == []
        assert len(review.list_queue(engine, review.QueueFilter(status="pending"))) == 3

    def test_flag_counts_count_each_flag(self, engine: sa.Engine, seeded: dict[str, int]) -> None:
        """Counts by flag cover every analysis matching the other filters."""
        assert review.flag_counts(engine) == {"low_confidence": 2, "high_severity_unsure": 1}

    def test_unknown_analysis_is_not_found(self, engine: sa.Engine) -> None:
        """Asking for a missing id is a NotFoundError, not a crash."""
        with pytest.raises(NotFoundError):
            review.get_item(engine, 999)


class TestActions:
    def test_approve_records_an_event_and_the_state(
        self, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """Approving sets status, reviewer and time, and appends one event."""
        event = review.approve(engine, seeded["plain"], "ana", "looks right")
        item = review.get_item(engine, seeded["plain"])
        assert item.item.review_status == "approved"
        assert item.item.reviewed_by == "ana"
        assert item.history == [event]

    def test_edit_stores_before_and_after(self, engine: sa.Engine, seeded: dict[str, int]) -> None:
        """An edit keeps the original analysis and records the changed fields."""
        pk = seeded["unsure"]
        event = review.edit(
            engine, pk, "ana", {"institutional_analysis.governance_exposure.level": "high"}
        )
        assert event.changes() == [
            ("institutional_analysis.governance_exposure.level", "medium", "high")
        ]
        item = review.get_item(engine, pk)
        assert item.analysis is not None
        assert item.original is not None
        assert item.analysis["institutional_analysis"]["governance_exposure"]["level"] == "high"
        assert item.original["institutional_analysis"]["governance_exposure"]["level"] == "medium"
        assert item.item.review_status == "edited"

    def test_invalid_edit_is_refused_and_nothing_stored(
        self, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """A quote not in the clause and an unknown severity are both reported; no event."""
        pk = seeded["plain"]
        with pytest.raises(ReviewError) as info:
            review.edit(
                engine, pk, "ana", {"severity": "critical", "evidence_quotes": ["not in it"]}
            )
        assert any("severity" in r for r in info.value.reasons)
        assert review.history(engine, pk) == []
        assert review.get_item(engine, pk).item.review_status == "pending"

    def test_semantic_errors_are_reasons(self, engine: sa.Engine, seeded: dict[str, int]) -> None:
        """A schema-valid edit quoting text absent from the clause is refused with the reason."""
        with pytest.raises(ReviewError) as info:
            review.edit(engine, seeded["plain"], "ana", {"evidence_quotes": ["we sell your data"]})
        assert info.value.reasons == [
            "evidence_quotes[0] does not occur verbatim in the clause text: 'we sell your data'"
        ]

    def test_patch_path_that_does_not_exist_is_refused(
        self, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """Unknown intermediate fields and list items out of range are reasons too."""
        with pytest.raises(ReviewError) as info:
            review.edit(
                engine,
                seeded["plain"],
                "ana",
                {"nope.level": "x", "applicable_agencies.5.name": "x"},
            )
        assert len(info.value.reasons) == 2

    def test_reject_needs_a_note(self, engine: sa.Engine, seeded: dict[str, int]) -> None:
        """Rejecting without a note is refused."""
        with pytest.raises(ReviewError):
            review.reject(engine, seeded["plain"], "ana", "  ")

    def test_re_review_appends_events(self, engine: sa.Engine, seeded: dict[str, int]) -> None:
        """Each action is a new event; the latest sets the state."""
        pk = seeded["plain"]
        review.approve(engine, pk, "ana")
        review.reject(engine, pk, "bo", "wrong jurisdiction")
        assert [e.action for e in review.history(engine, pk)] == ["approve", "reject"]
        assert review.get_item(engine, pk).item.review_status == "rejected"

    def test_next_pending_skips_reviewed_items(
        self, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """After approving the first item, the next pending one is the next in queue order."""
        first = review.next_pending(engine)
        assert first == seeded["unsure"]
        review.approve(engine, first, "ana")
        assert review.next_pending(engine, after=first) in {seeded["plain"], seeded["hostile"]}


class TestAuditTrail:
    @pytest.mark.parametrize(
        "statement",
        ["UPDATE review_events SET note = 'rewritten'", "DELETE FROM review_events"],
    )
    def test_past_events_cannot_change(
        self, engine: sa.Engine, seeded: dict[str, int], statement: str
    ) -> None:
        """The store refuses UPDATE and DELETE on review_events."""
        review.approve(engine, seeded["plain"], "ana", "ok")
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.exec_driver_sql(statement)
        assert review.history(engine, seeded["plain"])[0].note == "ok"
