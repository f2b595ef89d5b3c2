"""Outranked analyses in the review queue: when a clause text has several analyses (offline,
then Claude; an analyst's edit of one), the one that stands (``store.queries.analyses``) comes
first, and the others sink below every analysis that stands, each saying which one stands
instead. Review actions change what stands (an edit stands first; a rejected analysis cannot
stand), and the queue follows them.

Documents are SYNTHETIC (written here, not from any real policy) and go in through ``ingest``;
analyses are test fixtures saved through ``persist.save_result`` (tests/support/review_seed), as
a run stores them.
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from starlette.testclient import TestClient

from clauselens import review
from clauselens.cli import main
from clauselens.review import QueueFilter
from clauselens.store import tables as t
from clauselens.store.migrations import apply_migrations
from clauselens.web import ServeConfig, create_app
from tests.support.migrations import QUEUE_INDEXES, queue_indexes, undo_queue_migration
from tests.support.review_seed import add_document, analysis_of, save_analysis

pytestmark = pytest.mark.stores

ENTITY, TITLE = "Acme", "Terms of Service"
TERMINATION = (
    "We may suspend or terminate your account at any time and for any reason without notice, "
    "and you will lose access to everything stored in it."
)
ARBITRATION = (
    "Any dispute arising from these terms will be resolved by binding individual arbitration, "
    "and you waive any right to a jury trial or to take part in a class action."
)


def seeded(engine: sa.Engine) -> dict[str, int]:
    """Termination analysed offline (high) and then by Claude (low); arbitration by Claude."""
    termination, arbitration = add_document(
        engine, ENTITY, TITLE, [(["Termination"], TERMINATION), (["Disputes"], ARBITRATION)]
    )
    offline = save_analysis(
        engine,
        termination,
        analysis_of(TERMINATION[:40], severity="high", confidence="high"),
        analyzer="offline",
    )
    claude = save_analysis(
        engine, termination, analysis_of(TERMINATION[:40], severity="low", confidence="high")
    )
    other = save_analysis(
        engine, arbitration, analysis_of(ARBITRATION[:40], severity="low", confidence="high")
    )
    return {"offline": offline, "claude": claude, "other": other}


def outranked(engine: sa.Engine) -> dict[int, bool]:
    a = t.analyses.c
    with engine.connect() as conn:
        return {pk: bool(v) for pk, v in conn.execute(sa.select(a.id, a.outranked))}


def order(engine: sa.Engine) -> list[int]:
    return [item.analysis_pk for item in review.list_queue(engine, QueueFilter())]


class TestSink:
    def test_claude_stands_and_the_offline_analysis_of_the_same_text_sinks(
        self, engine: sa.Engine
    ) -> None:
        """Offline rated it high, which alone would put it first; Claude's stands instead."""
        pks = seeded(engine)
        assert outranked(engine) == {
            pks["offline"]: True,
            pks["claude"]: False,
            pks["other"]: False,
        }
        assert order(engine)[-1] == pks["offline"]

    def test_the_outranked_item_says_which_analysis_stands(self, engine: sa.Engine) -> None:
        pks = seeded(engine)
        item = review.get_item(engine, pks["offline"]).item
        assert item.outranked_by is not None
        assert item.outranked_by.pk == pks["claude"]
        assert f"claude analysis {pks['claude']} stands for this text" in item.why
        assert item.why.startswith("last: outranked")
        standing = review.get_item(engine, pks["claude"]).item
        assert standing.outranked is False
        assert standing.outranked_note is None

    def test_rejecting_the_claude_analysis_puts_the_offline_one_back(
        self, engine: sa.Engine
    ) -> None:
        pks = seeded(engine)
        review.reject(engine, pks["claude"], "ana", "misreads the clause")
        assert outranked(engine)[pks["offline"]] is False
        assert outranked(engine)[pks["claude"]] is True
        review.revert(engine, pks["claude"], "ana")
        assert outranked(engine)[pks["offline"]] is True
        assert outranked(engine)[pks["claude"]] is False

    def test_an_analysts_edit_stands_first(self, engine: sa.Engine) -> None:
        pks = seeded(engine)
        review.edit(engine, pks["offline"], "ana", {"severity": "medium"}, "checked by hand")
        assert outranked(engine)[pks["offline"]] is False
        assert outranked(engine)[pks["claude"]] is True
        item = review.get_item(engine, pks["claude"]).item
        assert item.outranked_by is not None
        assert item.outranked_by.edited
        assert "an analyst's edit of offline analysis" in item.why

    def test_a_failed_analysis_of_a_text_with_a_valid_one_sinks(self, engine: sa.Engine) -> None:
        [termination] = add_document(engine, ENTITY, TITLE, [(["Termination"], TERMINATION)])
        failed = save_analysis(
            engine, termination, None, status="failed", error="the answer was not valid JSON"
        )
        assert outranked(engine)[failed] is False  # nothing stands for its text yet
        valid = save_analysis(
            engine,
            termination,
            analysis_of(TERMINATION[:40], severity="high"),
            provenance={"model": "claude-opus-5-5"},
        )
        assert outranked(engine) == {failed: True, valid: False}

    def test_the_cli_and_the_web_queue_say_which_analysis_stands(
        self, engine: sa.Engine, db_url: str
    ) -> None:
        pks = seeded(engine)
        note = f"outranked: claude analysis {pks['claude']} stands for this text"
        result = CliRunner().invoke(main, ["--db", db_url, "review", "list"])
        assert result.exit_code == 0, result.output
        lines = [line.strip() for line in result.output.splitlines() if "why here:" in line]
        assert lines[-1].startswith(f"why here: last: {note}")
        assert not any("outranked" in line for line in lines[:-1])
        client = TestClient(
            create_app(engine, ServeConfig(reviewer="ana")), base_url="http://127.0.0.1:8000"
        )
        assert client.get("/").text.count(note) == 1

    def test_review_list_json_gives_outranked_by_as_data(self, engine: sa.Engine) -> None:
        pks = seeded(engine)
        url = engine.url.render_as_string(hide_password=False)
        result = CliRunner().invoke(main, ["--db", url, "review", "list", "--json"])
        assert result.exit_code == 0, result.output
        items = {i["id"]: i for i in json.loads(result.output)["items"]}
        assert items[pks["offline"]]["outranked"] is True
        assert items[pks["offline"]]["outranked_by"]["id"] == pks["claude"]
        assert items[pks["claude"]]["outranked_by"] is None


class TestMigration:
    def test_migration_0017_marks_the_analyses_already_stored(self, engine: sa.Engine) -> None:
        """A store as migration 0016 left it (no ``outranked``) gets the column, set, and the
        queue sinks the outranked analysis."""
        pks = seeded(engine)
        undo_queue_migration(engine, "m0017_analyses_outranked", "outranked")
        assert apply_migrations(engine) == ["m0017_analyses_outranked"]
        assert outranked(engine)[pks["offline"]] is True
        assert order(engine)[-1] == pks["offline"]
        assert queue_indexes(engine) == set(QUEUE_INDEXES)
