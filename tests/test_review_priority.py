"""What to review first (issue 16, point 10): the queue puts clauses that say something before
those that do not, then the most urgent flag, severity and novelty, and says why each item sits
where it does.

Documents are SYNTHETIC (written here, not from any real policy) and go in through ``ingest``;
analyses through ``persist.save_result`` (tests/support/review_seed), as a run stores them.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import sqlalchemy as sa
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from clauselens import review
from clauselens.cli import main
from clauselens.review import QueueFilter
from clauselens.store import open_store
from clauselens.store import tables as t
from clauselens.store.migrations import apply_migrations
from clauselens.substance import Substance, assess
from clauselens.web import ServeConfig, create_app
from tests.support.migrations import undo_queue_migration
from tests.support.review_seed import add_document, analysis_of, save_analysis

TITLE = "Terms of Service"
DATE = "Last updated: March 3, 2025"
INTRO = (
    "These terms govern your use of our services. Please read them carefully before you use "
    "the services."
)
TOC = "1. [Disputes](#disputes)\n2. [Privacy](#privacy)"
ARBITRATION = (
    "Any dispute arising from these terms will be resolved by binding individual arbitration, "
    "and you waive any right to a jury trial or to take part in a class action."
)
RETENTION = (
    "We retain personal data about your account for as long as your account is active and may "
    "share it with our affiliates for any purpose consistent with this policy."
)
SECTIONS = [
    ((TITLE,), DATE),
    ((TITLE, "English"), INTRO),
    ((TITLE, "Table of Contents"), TOC),
    ((TITLE, "Disputes"), ARBITRATION),
    ((TITLE, "Privacy"), RETENTION),
]


def high_unsure(engine: sa.Engine, clause: tuple[int, str], quote: str) -> int:
    """A high-severity analysis with medium confidence: flagged high_severity_unsure."""
    analysis = analysis_of(quote, severity="high", confidence="medium")
    return save_analysis(engine, clause, analysis)


def quote_of(text: str) -> str:
    return text.split("\n", maxsplit=1)[0][:40]


def seed(engine: sa.Engine) -> dict[str, int]:
    """Every clause of the SYNTHETIC terms analysed high severity, medium confidence: all carry
    the same flag, the case of issue 16.10."""
    clauses = add_document(engine, "Acme", TITLE, SECTIONS)
    names = ("date", "intro", "toc", "arbitration", "retention")
    return {
        name: high_unsure(engine, clause, quote_of(text))
        for name, clause, (_, text) in zip(names, clauses, SECTIONS, strict=True)
    }


def order(engine: sa.Engine, filters: QueueFilter | None = None) -> list[int]:
    return [item.analysis_pk for item in review.list_queue(engine, filters)]


class TestSubstance:
    def test_date_language_and_contents_lines_say_nothing(self) -> None:
        assert assess(f"# {TITLE}\n\n{DATE}", [TITLE]).substance is Substance.NONE
        assert assess("English", [TITLE, "English"]).substance is Substance.NONE
        assert assess(f"## Contents\n\n{TOC}", [TITLE, "Contents"]).substance is Substance.NONE

    def test_an_obligation_is_operative_text(self) -> None:
        assert assess(ARBITRATION, [TITLE, "Disputes"], 3).substance is Substance.OPERATIVE

    def test_text_leading_into_the_first_section_is_a_preamble(self) -> None:
        got = assess(INTRO, [TITLE, "English"], 1, [TITLE, "Disputes"])
        assert got.substance is Substance.PREAMBLE

    def test_sibling_sections_at_the_top_are_operative(self) -> None:
        """A document whose sections sit at the top level has no preamble."""
        got = assess(ARBITRATION, ["Section 1"], 0, ["Section 2"])
        assert got.substance is Substance.OPERATIVE


class TestOrder:
    def test_the_arbitration_clause_comes_first_and_no_substance_last(
        self, engine: sa.Engine
    ) -> None:
        """Same flag, same severity: operative clauses (by id), the intro, then the date line and
        the table of contents."""
        pks = seed(engine)
        expected = ["arbitration", "retention", "intro", "date", "toc"]
        assert order(engine) == [pks[name] for name in expected]

    def test_a_failed_analysis_of_a_date_line_stays_below_substantive_ones(
        self, engine: sa.Engine
    ) -> None:
        """The most urgent flag does not lift a clause with nothing to review above one that
        says something."""
        pks = seed(engine)
        clauses = add_document(
            engine, "Beta", TITLE, [((TITLE,), DATE), ((TITLE, "Fees"), RETENTION)]
        )
        failed = save_analysis(engine, clauses[0], None, status="failed", error="schema_invalid")
        queue = order(engine)
        assert queue.index(failed) > queue.index(pks["intro"])
        assert queue[0] == pks["arbitration"]

    def test_a_clause_added_in_a_later_version_comes_before_one_of_the_first(
        self, engine: sa.Engine
    ) -> None:
        """Same flag and severity: the clause new in the second version is reviewed first."""
        first = [((TITLE, "Privacy"), RETENTION)]
        (old,) = add_document(engine, "Acme", TITLE, first)
        old_pk = high_unsure(engine, old, quote_of(RETENTION))
        later = add_document(engine, "Acme", TITLE, [*first, ((TITLE, "Disputes"), ARBITRATION)])
        new_pk = high_unsure(engine, later[1], quote_of(ARBITRATION))
        assert order(engine) == [new_pk, old_pk]
        item = review.get_item(engine, new_pk).item
        assert "added in a later version" in item.why

    def test_pages_of_one_read_in_turn_give_the_queue(self, engine: sa.Engine) -> None:
        pks = seed(engine)
        whole = order(engine)
        paged = [
            item.analysis_pk
            for offset in range(len(pks))
            for item in review.queue_page(engine, QueueFilter(), limit=1, offset=offset).items
        ]
        assert paged == whole
        assert order(engine) == whole  # the same order when read again

    def test_neighbours_follow_the_new_order(self, engine: sa.Engine) -> None:
        pks = seed(engine)
        assert review.neighbours(engine, pks["intro"]) == (pks["retention"], pks["date"])


KINDS = st.sampled_from(["operative", "none"])
LEVELS = st.sampled_from(["high", "medium", "low"])
SPECS = st.lists(st.tuples(KINDS, LEVELS, LEVELS, st.booleans()), min_size=2, max_size=8)
NO_SUBSTANCE = [DATE, "English", TOC, "Back to top"]


@settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow])
@given(specs=SPECS)
def test_no_substance_never_comes_above_substance_with_the_same_flags(
    specs: list[tuple[str, str, str, bool]],
) -> None:
    """Whatever the flags and severities, an item with nothing of substance is never listed
    above a substantive item carrying the same flags."""
    with tempfile.TemporaryDirectory() as folder:
        engine = open_store(f"sqlite:///{Path(folder) / 'store.db'}")
        sections = []
        for i, (kind, *_) in enumerate(specs):
            body = NO_SUBSTANCE[i % len(NO_SUBSTANCE)] if kind == "none" else ARBITRATION
            sections.append(
                (
                    (TITLE, f"Part {i}"),
                    f"Part {i}: {body}" if kind == "none" else f"{body} (part {i})",
                )
            )
        clauses = add_document(engine, "Acme", TITLE, sections)
        kinds = {}
        for (kind, severity, confidence, failed), clause, (_, text) in zip(
            specs, clauses, sections, strict=True
        ):
            analysis = (
                None
                if failed
                else analysis_of(quote_of(text), severity=severity, confidence=confidence)
            )
            status = "failed" if failed else "valid"
            error = "schema_invalid" if failed else None
            pk = save_analysis(engine, clause, analysis, status=status, error=error)
            kinds[pk] = kind
        queue = review.list_queue(engine)
        engine.dispose()
    for above, item in enumerate(queue):
        codes = {f.code for f in item.flags}
        for later in queue[above + 1 :]:
            if {f.code for f in later.flags} == codes:
                assert not (
                    kinds[item.analysis_pk] == "none" and kinds[later.analysis_pk] == "operative"
                )


class TestWhy:
    def test_review_list_says_why_each_item_is_where_it_is(self, db_url: str) -> None:
        engine = open_store(db_url)
        seed(engine)
        engine.dispose()
        result = CliRunner().invoke(main, ["--db", db_url, "review", "list"])
        assert result.exit_code == 0, result.output
        lines = [line.strip() for line in result.output.splitlines() if "why here:" in line]
        assert len(lines) == 5
        assert lines[0].startswith("why here: operative text")
        assert "flag high_severity_unsure (priority 20)" in lines[0]
        assert "last: no substantive text (a date line)" in lines[3]
        got = json.loads(
            CliRunner().invoke(main, ["--db", db_url, "review", "list", "--json"]).output
        )
        assert [i["substance"] for i in got["items"]] == [
            "operative",
            "operative",
            "preamble",
            "none",
            "none",
        ]

    def test_the_web_queue_says_why(self, engine: sa.Engine) -> None:
        seed(engine)
        client = TestClient(
            create_app(engine, ServeConfig(reviewer="ana")), base_url="http://127.0.0.1:8000"
        )
        text = client.get("/").text
        assert text.count('class="why"') == 5
        assert "no substantive text (links only)" in text


class TestMigration:
    def test_migration_0010_places_the_analyses_already_stored(self, engine: sa.Engine) -> None:
        """A store as migration 0009 left it (no substance, no novelty) gets both, and the
        queue puts the date line last again."""
        pks = seed(engine)
        undo_queue_migration(engine, "m0010_review_priority", "substance", "novelty")
        assert apply_migrations(engine) == ["m0010_review_priority"]
        a = t.analyses.c
        with engine.connect() as conn:
            substance = dict(conn.execute(sa.select(a.id, a.substance)).all())
        assert substance[pks["date"]] == Substance.NONE
        assert substance[pks["arbitration"]] == Substance.OPERATIVE
        assert order(engine)[-2:] == [pks["date"], pks["toc"]]
