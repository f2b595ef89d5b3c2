"""The review library over a real store (seeded by ``tests.support.review_seed``)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from clauselens import review
from clauselens.errors import NotFoundError, ReviewError
from clauselens.similarity.provisions import store_fingerprint
from tests.support.review_seed import seed_queue

pytestmark = pytest.mark.stores  # SQLite and PostgreSQL (tests/conftest.py)


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

    @pytest.mark.parametrize("pk", [0, -1, 2**31, 10**23])
    def test_ids_no_row_can_have_are_not_found(
        self, engine: sa.Engine, seeded: dict[str, int], pk: int
    ) -> None:
        """Ids beyond what the database holds are NotFoundError too, not OverflowError."""
        with pytest.raises(NotFoundError):
            review.get_item(engine, pk)
        with pytest.raises(NotFoundError):
            review.approve(engine, pk, "ana")
        with pytest.raises(NotFoundError):
            review.history(engine, pk)


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


class TestUndo:
    def test_undoing_an_approval_puts_the_analysis_back_to_pending(
        self, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """A revert event is appended and status, reviewer and time go back to before."""
        pk = seeded["plain"]
        approved = review.approve(engine, pk, "ana", "ok")
        undone = review.revert(engine, pk, "ana", event_id=approved.id)
        item = review.get_item(engine, pk)
        assert (item.item.review_status, item.item.reviewed_by, item.reviewed_at) == (
            "pending",
            None,
            None,
        )
        assert [e.action for e in item.history] == ["approve", "revert"]
        assert undone.note == f"undoes #{approved.id} (approve by ana)"
        assert undone.changes() == []
        assert review.next_pending(engine) == seeded["unsure"]

    def test_undoing_an_edit_restores_the_analysis_and_its_columns(
        self, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """The original analysis stands again, severity included, and the revert says so."""
        pk = seeded["plain"]
        edited = review.edit(engine, pk, "ana", {"severity": "high"})
        undone = review.revert(engine, pk, "bo", "edited the wrong item")
        item = review.get_item(engine, pk)
        assert item.analysis == item.original
        assert (item.item.review_status, item.item.severity) == ("pending", "medium")
        assert undone.changes() == [("severity", "high", "medium")]
        assert undone.note == f"undoes #{edited.id} (edit by ana): edited the wrong item"

    def test_undo_goes_back_to_the_previous_decision_not_to_pending(
        self, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """Edit, then approve, then undo the approval: the edit still stands, as edited."""
        pk = seeded["plain"]
        edited = review.edit(engine, pk, "ana", {"severity": "high"})
        review.approve(engine, pk, "bo")
        review.revert(engine, pk, "bo")
        item = review.get_item(engine, pk)
        assert (item.item.review_status, item.item.reviewed_by) == ("edited", "ana")
        assert item.reviewed_at == edited.at
        assert item.item.severity == "high"

    def test_replay_counts_earlier_undos(self, engine: sa.Engine, seeded: dict[str, int]) -> None:
        """Reject, undo, approve, undo: back to pending (the first undo cancelled the reject)."""
        pk = seeded["plain"]
        review.reject(engine, pk, "ana", "wrong")
        review.revert(engine, pk, "ana")
        review.approve(engine, pk, "ana")
        review.revert(engine, pk, "ana")
        assert review.get_item(engine, pk).item.review_status == "pending"

    def test_only_the_latest_action_can_be_undone(
        self, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """An action followed by another is not undone; nothing is stored."""
        pk = seeded["plain"]
        approved = review.approve(engine, pk, "ana")
        review.reject(engine, pk, "bo", "wrong")
        with pytest.raises(ReviewError, match="not the latest action") as info:
            review.revert(engine, pk, "ana", event_id=approved.id)
        assert "reject by bo" in info.value.reasons[0]
        assert [e.action for e in review.history(engine, pk)] == ["approve", "reject"]

    def test_an_undo_is_not_undone_and_nothing_is_nothing(
        self, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """Undo twice in a row, or before any action: refused."""
        pk = seeded["plain"]
        with pytest.raises(ReviewError, match="nothing to undo"):
            review.revert(engine, pk, "ana")
        review.approve(engine, pk, "ana")
        review.revert(engine, pk, "ana")
        with pytest.raises(ReviewError, match="already an undo"):
            review.revert(engine, pk, "ana")
        assert len(review.history(engine, pk)) == 2

    def test_undoing_an_edit_refreshes_the_similarity_index(
        self, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """The edit's categories are gone again, so the index's fingerprint moves."""
        pk = seeded["plain"]
        review.edit(engine, pk, "ana", {"categories": ["jurisdiction", "choice_of_law"]})
        with engine.connect() as conn:
            edited = store_fingerprint(conn)
        review.revert(engine, pk, "ana")
        with engine.connect() as conn:
            assert store_fingerprint(conn) != edited
