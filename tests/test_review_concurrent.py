"""Two reviewers on one analysis: the second action on what has gone stale is refused.

Each reviewer loads the item (its latest event) and acts on it with ``expect_event``; the store
API, the CLI (exit 3) and the web page (409) refuse an action whose expected event is no longer
the latest, and store nothing. Racing writers: exactly one of them wins.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Callable
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from clauselens import review
from clauselens.cli import main
from clauselens.errors import NotFoundError, StaleReviewError
from clauselens.review import NOT_REVIEWED, ReviewEvent
from clauselens.web import ServeConfig, create_app
from clauselens.web.csrf import CSRF_COOKIE
from tests.support.review_seed import seed_queue

pytestmark = pytest.mark.stores  # SQLite and PostgreSQL (tests/conftest.py)

BASE = "http://127.0.0.1:8000"


@pytest.fixture
def seeded(engine: sa.Engine) -> dict[str, int]:
    return seed_queue(engine)


def actions(engine: sa.Engine, pk: int) -> list[str]:
    return [e.action for e in review.history(engine, pk)]


class TestStore:
    def test_the_second_reviewer_acting_on_what_both_loaded_is_refused(
        self, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """Both load the pending item; ana approves, bo's reject is refused, nothing stored."""
        pk = seeded["plain"]
        seen_by_ana = review.get_item(engine, pk).last_event_id
        seen_by_bo = review.get_item(engine, pk).last_event_id
        assert seen_by_ana == seen_by_bo == NOT_REVIEWED
        approved = review.approve(engine, pk, "ana", expect_event=seen_by_ana)
        with pytest.raises(StaleReviewError) as info:
            review.reject(engine, pk, "bo", "navigation text", expect_event=seen_by_bo)
        refused = info.value
        assert (refused.analysis_pk, refused.expected) == (pk, NOT_REVIEWED)
        assert (refused.latest_id, refused.latest_action, refused.latest_reviewer) == (
            approved.id,
            "approve",
            "ana",
        )
        assert f"#{approved.id}: approve by ana" in refused.reasons[0]
        assert review.history(engine, pk) == [approved]
        assert review.get_item(engine, pk).item.review_status == "approved"

    def test_a_stale_edit_does_not_overwrite_the_other_edit(
        self, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """Two edits written against the same state: the second is refused, the first stands."""
        pk = seeded["unsure"]
        seen = review.get_item(engine, pk).last_event_id
        review.edit(engine, pk, "ana", {"severity": "medium"}, expect_event=seen)
        with pytest.raises(StaleReviewError):
            review.edit(engine, pk, "bo", {"severity": "low"}, expect_event=seen)
        got = review.get_item(engine, pk)
        assert got.analysis is not None
        assert got.analysis["severity"] == "medium"
        assert actions(engine, pk) == ["edit"]

    def test_acting_on_the_latest_event_after_reloading_succeeds(
        self, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """A refused reviewer who loads the item again acts on what it is now."""
        pk = seeded["plain"]
        first = review.approve(engine, pk, "ana", expect_event=NOT_REVIEWED)
        reloaded = review.get_item(engine, pk).last_event_id
        assert reloaded == first.id
        review.reject(engine, pk, "bo", "on second thoughts", expect_event=reloaded)
        assert actions(engine, pk) == ["approve", "reject"]

    def test_an_event_of_another_analysis_is_not_the_latest(
        self, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """Expecting an event of another analysis is refused like any stale expectation."""
        other = review.approve(engine, seeded["unsure"], "ana")
        with pytest.raises(StaleReviewError):
            review.approve(engine, seeded["plain"], "bo", expect_event=other.id)
        assert review.history(engine, seeded["plain"]) == []

    def test_without_an_expectation_the_action_is_not_checked(
        self, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """Scripts that act on ids alone keep working: no expect_event, no check."""
        pk = seeded["plain"]
        review.approve(engine, pk, "ana")
        review.reject(engine, pk, "bo", "navigation text")
        assert actions(engine, pk) == ["approve", "reject"]

    def test_a_stale_undo_is_refused_as_stale(
        self, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """Undoing an action someone else already followed is a StaleReviewError too."""
        pk = seeded["plain"]
        approved = review.approve(engine, pk, "ana")
        review.reject(engine, pk, "bo", "no")
        with pytest.raises(StaleReviewError, match="not the latest action"):
            review.revert(engine, pk, "ana", event_id=approved.id)
        assert actions(engine, pk) == ["approve", "reject"]

    def test_a_missing_analysis_is_not_found_before_it_is_stale(
        self, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """An unknown id says so, whatever event was expected."""
        with pytest.raises(NotFoundError):
            review.approve(engine, 999_999, "ana", expect_event=5)


Act = Callable[[sa.Engine, int, str, int | None], ReviewEvent]

ACTS: dict[str, Act] = {
    "approve": lambda e, pk, who, seen: review.approve(e, pk, who, expect_event=seen),
    "reject": lambda e, pk, who, seen: review.reject(e, pk, who, "no", expect_event=seen),
    "edit": lambda e, pk, who, seen: review.edit(
        e, pk, who, {"confidence_rationale": f"checked by {who}"}, expect_event=seen
    ),
}


def race(engine: sa.Engine, pk: int, act: Act, writers: int, seen: int | None) -> list[str]:
    """``writers`` threads released at once, each acting with expectation ``seen``; what each
    got: ``"stored"``, ``"stale"`` or another error's name."""
    gate = threading.Barrier(writers)
    outcomes: list[str] = []
    lock = threading.Lock()

    def one(number: int) -> None:
        gate.wait()
        try:
            act(engine, pk, f"reviewer-{number}", seen)
            outcome = "stored"
        except StaleReviewError:
            outcome = "stale"
        except Exception as exc:  # reported, so the assertion below shows it
            outcome = type(exc).__name__
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


class TestRace:
    @pytest.mark.parametrize("action", sorted(ACTS))
    def test_of_writers_expecting_the_same_event_exactly_one_wins(
        self, engine: sa.Engine, seeded: dict[str, int], action: str
    ) -> None:
        """Six threads act at once on what they all loaded: one is stored, five are stale."""
        pk = seeded["plain"]
        seen = review.get_item(engine, pk).last_event_id
        outcomes = race(engine, pk, ACTS[action], 6, seen)
        assert outcomes == ["stale"] * 5 + ["stored"]
        assert actions(engine, pk) == [action]

    def test_the_race_is_real_without_the_expectation(
        self, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """The same six threads without expect_event are all stored: the check is what refuses."""
        pk = seeded["plain"]
        assert race(engine, pk, ACTS["approve"], 6, None) == ["stored"] * 6
        assert len(review.history(engine, pk)) == 6


# Numbers the property's actions across its examples (which share a store), so that every edit
# changes something.
_ACTION_NUMBERS = itertools.count()

# A step: reviewer (0..2) loads the item, or acts on what they last loaded.
STEPS = st.lists(
    st.tuples(st.integers(0, 2), st.sampled_from(["load", "approve", "reject", "edit"])),
    max_size=12,
)


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_an_action_is_stored_exactly_when_nothing_was_stored_since_its_load(
    engine: sa.Engine, seeded: dict[str, int], steps: list[tuple[int, str]]
) -> None:
    """Any interleaving of loads and actions by three reviewers: an action is stored iff no
    action was stored since that reviewer's load, and the trail grows by the stored ones.
    (Examples share the store: the rule does not depend on the trail before. A function, not a
    method: hypothesis refuses one run by a new instance per backend.)"""
    pk = seeded["plain"]
    before = len(review.history(engine, pk))
    seen: dict[int, int] = {}
    fresh: dict[int, bool] = {}
    stored = 0
    for who, step in steps:
        if step == "load":
            seen[who] = review.get_item(engine, pk).last_event_id
            fresh[who] = True
            continue
        if who not in seen:
            continue
        try:
            name = f"reviewer-{who} (action {next(_ACTION_NUMBERS)})"
            ACTS[step](engine, pk, name, seen[who])
            happened = True
        except StaleReviewError:
            happened = False
        assert happened == fresh[who]
        if happened:
            stored += 1
            fresh = dict.fromkeys(fresh, False)
    assert len(review.history(engine, pk)) == before + stored


def cli(db_url: str, *args: str) -> Result:
    return CliRunner().invoke(main, ["--db", db_url, "review", *args])


class TestCli:
    def test_show_prints_the_event_to_expect(self, db_url: str, seeded: dict[str, int]) -> None:
        """`review show` names the latest event and the option to act on it, in text and JSON."""
        pk = str(seeded["plain"])
        assert "--expect-event 0" in cli(db_url, "show", pk).output
        approved = cli(db_url, "approve", pk, "--reviewer", "ana")
        assert approved.exit_code == 0, approved.output
        shown = json.loads(cli(db_url, "show", pk, "--json").output)
        [event] = shown["history"]
        assert shown["last_event_id"] == event["id"]
        assert f"--expect-event {event['id']}" in cli(db_url, "show", pk).output

    def test_the_second_reviewer_is_refused_with_exit_3(
        self, db_url: str, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """Both act on what show printed: the second exits 3, says who acted, stores nothing."""
        pk = str(seeded["plain"])
        seen = str(json.loads(cli(db_url, "show", pk, "--json").output)["last_event_id"])
        first = cli(db_url, "approve", pk, "--reviewer", "ana", "--expect-event", seen)
        assert first.exit_code == 0, first.output
        second = cli(
            db_url, "reject", pk, "--note", "no", "--reviewer", "bo", "--expect-event", seen
        )
        assert second.exit_code == 3
        assert "changed since it was loaded" in second.output
        assert re.search(r"the latest event is now #\d+: approve by ana", second.output)
        assert actions(engine, int(pk)) == ["approve"]

    @pytest.mark.parametrize(
        "command",
        [
            ("approve",),
            ("reject", "--note", "no"),
            ("edit", "--set", "severity=low"),
            ("undo",),
        ],
    )
    def test_every_action_checks_the_expected_event(
        self, db_url: str, engine: sa.Engine, seeded: dict[str, int], command: tuple[str, ...]
    ) -> None:
        """approve, reject, edit and undo all refuse a stale --expect-event."""
        pk = seeded["plain"]
        earlier = review.approve(engine, pk, "ana")
        review.approve(engine, pk, "ana", "again")
        name, *rest = command
        result = cli(db_url, name, str(pk), *rest, "--expect-event", str(earlier.id))
        assert result.exit_code == 3, result.output
        assert actions(engine, pk) == ["approve", "approve"]


def browser(engine: sa.Engine) -> TestClient:
    return TestClient(create_app(engine, ServeConfig(reviewer="ana")), base_url=BASE)


def open_item(client: TestClient, pk: int) -> tuple[str, str]:
    """Load the item page as a reviewer: its CSRF token and the latest event it carries."""
    page = client.get(f"/item/{pk}").text
    found = re.search(r'name="last_event" value="(\d+)"', page)
    assert found, "the item page carries its latest event"
    token = client.cookies.get(CSRF_COOKIE)
    assert token
    return token, found.group(1)


def submit(client: TestClient, path: str, token: str, **data: str) -> Any:
    return client.post(path, data={"csrf_token": token, **data}, follow_redirects=False)


class TestWeb:
    def test_the_second_submit_is_a_409_saying_who_acted(
        self, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """Two pages opened on one item: the first approve is stored, the second reject is 409
        with who did what and a link to reload; the trail holds one event."""
        pk = seeded["plain"]
        first, second = browser(engine), browser(engine)
        token1, seen1 = open_item(first, pk)
        token2, seen2 = open_item(second, pk)
        assert submit(first, f"/item/{pk}/approve", token1, last_event=seen1).status_code == 303
        refused = second.post(
            f"/item/{pk}/reject?status=pending",
            data={"csrf_token": token2, "last_event": seen2, "note": "navigation text"},
        )
        assert refused.status_code == 409
        conflict = re.search(r'<div class="errors conflict".*?</div>', refused.text, re.S)
        assert conflict, "the page says the action was not saved"
        [event] = review.history(engine, pk)
        assert f">approve</span> by ana at {event.at:%Y-%m-%d %H:%M:%S}Z" in conflict.group(0)
        assert f'href="/item/{pk}?status=pending"' in conflict.group(0)
        assert "navigation text" in refused.text  # the typed note is kept
        assert actions(engine, pk) == ["approve"]

    def test_the_409_page_acts_on_what_it_shows(
        self, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """The refused page carries the new latest event: submitting from it is stored."""
        pk = seeded["plain"]
        first, second = browser(engine), browser(engine)
        token1, seen1 = open_item(first, pk)
        token2, seen2 = open_item(second, pk)
        submit(first, f"/item/{pk}/approve", token1, last_event=seen1)
        refused = submit(second, f"/item/{pk}/approve", token2, last_event=seen2)
        assert refused.status_code == 409
        found = re.search(r'name="last_event" value="(\d+)"', refused.text)
        assert found
        assert found.group(1) != seen2
        again = submit(second, f"/item/{pk}/approve", token2, last_event=found.group(1))
        assert again.status_code == 303
        assert actions(engine, pk) == ["approve", "approve"]

    def test_a_stale_edit_is_refused_and_not_refilled(
        self, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """A second edit is 409; its form shows the other edit, not the stale values."""
        pk = seeded["plain"]
        first, second = browser(engine), browser(engine)
        token1, seen1 = open_item(first, pk)
        token2, seen2 = open_item(second, pk)
        rationale = "f.confidence_rationale"
        ok = submit(first, f"/item/{pk}/edit", token1, last_event=seen1, **{rationale: "Ana's."})
        assert ok.status_code == 303
        refused = submit(
            second, f"/item/{pk}/edit", token2, last_event=seen2, **{rationale: "Bo's."}
        )
        assert refused.status_code == 409
        assert "Bo&#39;s." not in refused.text
        assert "Ana&#39;s." in refused.text
        assert actions(engine, pk) == ["edit"]
        got = review.get_item(engine, pk).analysis
        assert got is not None
        assert got["confidence_rationale"] == "Ana's."

    @pytest.mark.parametrize("value", [None, "", "x", "-1", "9" * 40])
    def test_a_form_without_a_valid_latest_event_is_400(
        self, engine: sa.Engine, seeded: dict[str, int], value: str | None
    ) -> None:
        """The page always sends the field: a form without it, or with garbage, is refused."""
        pk = seeded["plain"]
        client = browser(engine)
        token, _ = open_item(client, pk)
        data = {} if value is None else {"last_event": value}
        assert submit(client, f"/item/{pk}/approve", token, **data).status_code == 400
        assert review.history(engine, pk) == []
