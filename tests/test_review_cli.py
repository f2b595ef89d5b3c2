"""``clauselens review``: every action from the command line, over a seeded store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result
from sqlalchemy.exc import DBAPIError

from clauselens import review
from clauselens.cli import main
from clauselens.store import tables as t
from tests.support.review_seed import seed_queue


@pytest.fixture
def seeded(engine: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    monkeypatch.delenv("CLAUSELENS_REVIEWER", raising=False)
    monkeypatch.setattr("getpass.getuser", lambda: "login-name")
    return seed_queue(engine)


def run(db_url: str, *args: str) -> Result:
    return CliRunner().invoke(main, ["--db", db_url, "review", *args])


def events(engine: sa.Engine) -> list[sa.Row[tuple[object, ...]]]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(t.review_events)).all())


class TestList:
    def test_lists_the_queue_with_flags_and_counts(
        self, db_url: str, seeded: dict[str, int]
    ) -> None:
        """The text listing shows each pending item, its flags, and counts by flag."""
        result = run(db_url, "list")
        assert result.exit_code == 0, result.output
        assert "Human review of high-risk outputs" in result.output
        assert "flags: high_severity_unsure" in result.output
        assert "By flag: low_confidence 2, high_severity_unsure 1" in result.output

    def test_json_is_ordered_by_priority_and_filterable(
        self, db_url: str, seeded: dict[str, int]
    ) -> None:
        """--json prints items most urgent first; --flag and --entity narrow them."""
        everything = json.loads(run(db_url, "list", "--json").output)
        assert everything["items"][0]["id"] == seeded["unsure"]
        by_flag = json.loads(run(db_url, "list", "--flag", "low_confidence", "--json").output)
        assert {i["id"] for i in by_flag["items"]} == {seeded["plain"], seeded["hostile"]}
        by_entity = json.loads(run(db_url, "list", "--entity", "Bluesky", "--json").output)
        assert [i["id"] for i in by_entity["items"]] == [seeded["plain"]]

    def test_status_filter_hides_reviewed_items(
        self, db_url: str, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """Approved items leave the default (pending) list but show with --status approved."""
        review.approve(engine, seeded["plain"], "ana")
        pending = json.loads(run(db_url, "list", "--json").output)["items"]
        assert seeded["plain"] not in [i["id"] for i in pending]
        approved = json.loads(run(db_url, "list", "--status", "approved", "--json").output)
        assert [i["id"] for i in approved["items"]] == [seeded["plain"]]


class TestShow:
    def test_show_prints_clause_analysis_flags_and_provenance(
        self, db_url: str, seeded: dict[str, int]
    ) -> None:
        """`review show` gives an analyst everything in one screen."""
        result = run(db_url, "show", str(seeded["unsure"]))
        assert result.exit_code == 0, result.output
        for part in (
            "Flags",
            "high_severity_unsure",
            "Clause",
            "Human-in-the-loop",
            "institutional_analysis.governance_exposure.level: medium",
            "Provenance",
        ):
            assert part in result.output

    def test_show_prints_where_the_clause_was_captured(self, ota_store: sa.Engine) -> None:
        """Source URL, archive URL, SHA-256 of the capture and its time, in text and JSON."""
        cap = t.captures.c
        with ota_store.connect() as conn:
            pk = conn.execute(sa.select(sa.func.min(t.analyses.c.id))).scalar_one()
            item = review.get_item(ota_store, pk)
            assert item.capture is not None
            [row] = conn.execute(
                sa.select(cap.source_url, cap.archive_url, cap.content_sha256).where(
                    cap.content_sha256 == item.capture.content_sha256
                )
            ).all()
        db = ota_store.url.render_as_string(hide_password=False)
        result = run(db, "show", str(pk))
        assert result.exit_code == 0, result.output
        provenance = result.output[result.output.index("\nProvenance") :]
        assert row.archive_url.startswith("https://github.com/OpenTermsArchive/")
        for part in (row.source_url, row.archive_url, row.content_sha256, "captured 20"):
            assert part in provenance
        shown = json.loads(run(db, "show", str(pk), "--json").output)["capture"]
        assert (shown["source_url"], shown["archive_url"], shown["content_sha256"]) == tuple(row)

    def test_show_of_a_missing_id_exits_2(self, db_url: str, seeded: dict[str, int]) -> None:
        """An unknown id is a usage error with a message."""
        result = run(db_url, "show", "999")
        assert result.exit_code == 2
        assert "no analysis with id 999" in result.output

    def test_show_of_an_id_beyond_the_database_exits_2(
        self, db_url: str, seeded: dict[str, int]
    ) -> None:
        """An id too large for the database is "not found", not a traceback."""
        result = run(db_url, "show", "99999999999999999999999")
        assert result.exit_code == 2
        assert "no analysis with id 99999999999999999999999" in result.output


class TestApprove:
    def test_approve_uses_the_login_name_by_default(
        self, db_url: str, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """Without --reviewer or CLAUSELENS_REVIEWER, the login name reviews."""
        result = run(db_url, "approve", str(seeded["plain"]), "--note", "fine")
        assert result.exit_code == 0, result.output
        [event] = events(engine)
        assert (event.action, event.reviewer, event.note) == ("approve", "login-name", "fine")

    def test_reviewer_comes_from_the_environment(
        self,
        db_url: str,
        engine: sa.Engine,
        seeded: dict[str, int],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """CLAUSELENS_REVIEWER beats the login name."""
        monkeypatch.setenv("CLAUSELENS_REVIEWER", "env-ana")
        assert run(db_url, "approve", str(seeded["plain"])).exit_code == 0
        assert events(engine)[0].reviewer == "env-ana"

    def test_reviewer_option_beats_the_environment(
        self,
        db_url: str,
        engine: sa.Engine,
        seeded: dict[str, int],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """--reviewer beats CLAUSELENS_REVIEWER."""
        monkeypatch.setenv("CLAUSELENS_REVIEWER", "env-ana")
        assert run(db_url, "approve", str(seeded["plain"]), "--reviewer", "bo").exit_code == 0
        assert events(engine)[0].reviewer == "bo"


class TestEdit:
    def test_set_edits_a_nested_field(
        self, db_url: str, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """--set with a dotted path changes that field; the event keeps before and after."""
        result = run(
            db_url,
            "edit",
            str(seeded["unsure"]),
            "--set",
            "institutional_analysis.governance_exposure.level=high",
            "--set",
            'categories=["human_oversight", "high_risk_use_requirements"]',
            "--note",
            "healthcare operators are highly exposed",
        )
        assert result.exit_code == 0, result.output
        assert 'governance_exposure.level: "medium" → "high"' in result.output
        [event] = events(engine)
        assert event.before["institutional_analysis"]["governance_exposure"]["level"] == "medium"
        assert event.after["categories"] == ["human_oversight", "high_risk_use_requirements"]
        assert review.get_item(engine, seeded["unsure"]).item.review_status == "edited"

    def test_file_patch_is_applied(
        self, db_url: str, engine: sa.Engine, seeded: dict[str, int], tmp_path: Path
    ) -> None:
        """--file reads a JSON object of dotted paths."""
        patch = tmp_path / "patch.json"
        patch.write_text(json.dumps({"severity": "low", "confidence": "medium"}))
        assert run(db_url, "edit", str(seeded["plain"]), "--file", str(patch)).exit_code == 0
        item = review.get_item(engine, seeded["plain"])
        assert (item.item.severity, item.item.confidence) == ("low", "medium")

    def test_invalid_edit_is_refused_with_reasons(
        self, db_url: str, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """Severity "critical" and a quote absent from the clause are refused; nothing stored."""
        severity = run(db_url, "edit", str(seeded["plain"]), "--set", "severity=critical")
        assert severity.exit_code == 2
        assert "edit refused" in severity.output
        assert "severity: Input should be 'high', 'medium' or 'low'" in severity.output
        quote = run(
            db_url,
            "edit",
            str(seeded["plain"]),
            "--set",
            'evidence_quotes=["Bluesky may sell your data"]',
        )
        assert quote.exit_code == 2
        assert "does not occur verbatim in the clause text" in quote.output
        assert events(engine) == []
        assert review.get_item(engine, seeded["plain"]).item.review_status == "pending"

    def test_neither_set_nor_file_is_a_usage_error(
        self, db_url: str, seeded: dict[str, int]
    ) -> None:
        """Exactly one of --set and --file is required."""
        result = run(db_url, "edit", str(seeded["plain"]))
        assert result.exit_code == 2
        assert "either --set" in result.output


class TestReject:
    def test_reject_needs_a_note(self, db_url: str, seeded: dict[str, int]) -> None:
        """Without --note click refuses the command."""
        result = run(db_url, "reject", str(seeded["plain"]))
        assert result.exit_code == 2
        assert "--note" in result.output

    def test_reject_records_the_note(
        self, db_url: str, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """A rejection is an event with its note and sets the state."""
        result = run(db_url, "reject", str(seeded["hostile"]), "--note", "not a real clause")
        assert result.exit_code == 0, result.output
        assert events(engine)[0].note == "not a real clause"
        assert review.get_item(engine, seeded["hostile"]).item.review_status == "rejected"


class TestUndo:
    def test_undo_reverts_the_latest_action(
        self, db_url: str, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """`review undo` appends a revert and says what the analysis is back to."""
        pk = str(seeded["plain"])
        run(db_url, "edit", pk, "--set", "severity=high")
        result = run(db_url, "undo", pk)
        assert result.exit_code == 0, result.output
        assert "(edit by login-name); now pending" in result.output
        assert 'severity: "high" → "medium"' in result.output
        assert [e.action for e in events(engine)] == ["edit", "revert"]

    def test_nothing_to_undo_exits_2(self, db_url: str, seeded: dict[str, int]) -> None:
        """Undo before any action is refused with the reason."""
        result = run(db_url, "undo", str(seeded["plain"]))
        assert result.exit_code == 2
        assert "nothing to undo" in result.output


class TestHistory:
    def test_history_lists_every_action_oldest_first(
        self, db_url: str, seeded: dict[str, int]
    ) -> None:
        """Approve, edit, reject: three events, with the edit's change shown."""
        pk = str(seeded["plain"])
        run(db_url, "approve", pk)
        run(db_url, "edit", pk, "--set", "severity=high")
        run(db_url, "reject", pk, "--note", "second thoughts")
        text = run(db_url, "history", pk).output
        assert [line.split()[2] for line in text.splitlines() if "Z  " in line] == [
            "approve",
            "edit",
            "reject",
        ]
        assert 'severity: "medium" → "high"' in text
        as_json = json.loads(run(db_url, "history", pk, "--json").output)
        assert [e["action"] for e in as_json] == ["approve", "edit", "reject"]

    def test_past_event_cannot_be_altered_after_a_cli_action(
        self, db_url: str, engine: sa.Engine, seeded: dict[str, int]
    ) -> None:
        """Rewriting or deleting an audit event with raw SQL is refused by the store."""
        run(db_url, "approve", str(seeded["plain"]), "--note", "original")
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.exec_driver_sql("UPDATE review_events SET reviewer = 'mallory'")
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM review_events")
        assert [(e.reviewer, e.note) for e in events(engine)] == [("login-name", "original")]
