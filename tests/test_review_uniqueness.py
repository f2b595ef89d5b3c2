"""Uniqueness in the review queue (issue 16, point 10): among items otherwise equal, a provision
no other platform has comes first, then those fewer platforms share; the count is stored on the
analyses after each run (``similarity.uniqueness``) and said in the "why here" line.

Documents are SYNTHETIC (written here, not from any real policy) and go in through ``ingest``;
analyses through ``persist.save_result`` (tests/support/review_seed), as a run stores them.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clauselens import review
from clauselens.cli import main
from clauselens.similarity.uniqueness import place_uniqueness, similar_platform_counts
from clauselens.store import open_store
from clauselens.store import tables as t
from clauselens.store.migrations import apply_migrations
from clauselens.store.placement import set_similar_platforms
from tests.support.migrations import QUEUE_INDEXES, queue_indexes, undo_queue_migration
from tests.support.review_seed import add_document, analysis_of, save_analysis

pytestmark = pytest.mark.stores

TITLE = "Terms of Service"
ARBITRATION = (
    "Any dispute arising from these terms will be resolved by binding individual arbitration, "
    "and you waive any right to a jury trial or to take part in a class action."
)
ARBITRATION_BETA = (
    "Every dispute arising from these terms shall be resolved by binding individual "
    "arbitration, and you waive your right to a jury trial or to join a class action."
)
ARBITRATION_GAMMA = (
    "All disputes arising from these terms are resolved by binding individual arbitration; "
    "you waive any right to a jury trial and to take part in a class action."
)
ODD = (
    "Members who operate weather balloons over our orchards owe a royalty of three apricots per "
    "flight, payable each harvest to the cooperative's quartermaster."
)
RETENTION = (
    "We retain personal data about your account for as long as your account is active and may "
    "share it with our affiliates for any purpose consistent with this policy."
)


def analysed(engine: sa.Engine, entity: str, sections: list[tuple[str, str]]) -> list[int]:
    """Ingest a SYNTHETIC document and store a high-severity, medium-confidence analysis for
    each section (all carry the same flag: high_severity_unsure)."""
    clauses = add_document(engine, entity, TITLE, [((TITLE, h), text) for h, text in sections])
    return [
        save_analysis(engine, clause, analysis_of(text[:40], severity="high", confidence="medium"))
        for clause, (_, text) in zip(clauses, sections, strict=True)
    ]


def three_platforms(engine: sa.Engine) -> dict[str, int]:
    """Acme states arbitration (which Beta and Gamma state too) before an odd provision no one
    else has; so by id alone arbitration would come first."""
    arbitration, odd = analysed(engine, "Acme", [("Disputes", ARBITRATION), ("Orchards", ODD)])
    analysed(engine, "Beta", [("Disputes", ARBITRATION_BETA), ("Privacy", RETENTION)])
    analysed(engine, "Gamma", [("Disputes", ARBITRATION_GAMMA)])
    return {"arbitration": arbitration, "odd": odd}


def stored(engine: sa.Engine) -> dict[int, int | None]:
    a = t.analyses.c
    with engine.connect() as conn:
        return dict(conn.execute(sa.select(a.id, a.similar_platforms)).all())


class TestOrder:
    def test_a_provision_no_other_platform_has_comes_first_among_equals(
        self, engine: sa.Engine
    ) -> None:
        pks = three_platforms(engine)
        report = place_uniqueness(engine)
        assert report.platforms == 3
        counts = stored(engine)
        assert counts[pks["odd"]] == 0
        assert counts[pks["arbitration"]] == 2  # Beta's and Gamma's arbitration clauses
        acme = [
            item.analysis_pk
            for item in review.list_queue(engine)
            if item.entity == "Acme" and item.analysis_pk in pks.values()
        ]
        assert acme == [pks["odd"], pks["arbitration"]]
        why = review.get_item(engine, pks["odd"]).item.why
        assert "unique: no other platform has a similar provision" in why
        assert (
            "similar on 2 other platforms" in review.get_item(engine, pks["arbitration"]).item.why
        )

    def test_before_any_comparison_the_order_is_by_id_and_says_not_compared(
        self, engine: sa.Engine
    ) -> None:
        pks = three_platforms(engine)
        queue = review.list_queue(engine)
        acme = [i.analysis_pk for i in queue if i.analysis_pk in pks.values()]
        assert acme == [pks["arbitration"], pks["odd"]]
        assert all("not compared across platforms" in i.why for i in queue)

    def test_neighbours_and_pages_follow_the_order_with_counts_and_not_compared(
        self, engine: sa.Engine
    ) -> None:
        """``neighbours`` compares the order as a row value: a count and a NULL (not compared)
        in it still give each item's place, as do pages of one."""
        three_platforms(engine)
        place_uniqueness(engine)
        late = ARBITRATION.replace("Any dispute", "Each dispute")
        analysed(engine, "Delta", [("Disputes", late)])  # stored after: not compared
        whole = [i.analysis_pk for i in review.list_queue(engine)]
        assert len(whole) == 6
        for at, pk in enumerate(whole):
            before = whole[at - 1] if at else None
            after = whole[at + 1] if at + 1 < len(whole) else None
            assert review.neighbours(engine, pk) == (before, after)
        paged = [
            item.analysis_pk
            for offset in range(len(whole))
            for item in review.queue_page(
                engine, review.QueueFilter(), limit=1, offset=offset
            ).items
        ]
        assert paged == whole

    def test_uniqueness_ranks_below_severity(self, engine: sa.Engine) -> None:
        """A unique low-severity provision does not rise above a common high-severity one."""
        (arbitration,) = analysed(engine, "Acme", [("Disputes", ARBITRATION)])
        analysed(engine, "Beta", [("Disputes", ARBITRATION_BETA)])
        clauses = add_document(engine, "Gamma", TITLE, [((TITLE, "Orchards"), ODD)])
        odd = save_analysis(
            engine, clauses[0], analysis_of(ODD[:40], severity="low", confidence="medium")
        )
        place_uniqueness(engine)
        queue = [i.analysis_pk for i in review.list_queue(engine)]
        assert queue.index(arbitration) < queue.index(odd)

    def test_one_platform_is_not_compared(self, engine: sa.Engine) -> None:
        """With one platform every provision would be trivially unique: nothing is stored."""
        analysed(engine, "Acme", [("Disputes", ARBITRATION), ("Orchards", ODD)])
        report = place_uniqueness(engine)
        assert (report.platforms, report.analyses_changed) == (1, 0)
        assert set(stored(engine).values()) == {None}


class TestKeptUpToDate:
    def test_a_text_replaced_by_a_later_version_is_no_longer_compared(
        self, engine: sa.Engine
    ) -> None:
        pks = three_platforms(engine)
        place_uniqueness(engine)
        add_document(engine, "Acme", TITLE, [((TITLE, "Disputes"), ARBITRATION)])
        place_uniqueness(engine)
        assert stored(engine)[pks["odd"]] is None
        assert stored(engine)[pks["arbitration"]] == 2

    def test_a_new_platform_changes_the_counts_at_the_next_comparison(
        self, engine: sa.Engine
    ) -> None:
        pks = three_platforms(engine)
        place_uniqueness(engine)
        odd_copy = ODD.replace("three apricots", "four apricots")
        analysed(engine, "Delta", [("Orchards", odd_copy)])
        assert stored(engine)[pks["odd"]] == 0  # as of the last comparison
        place_uniqueness(engine)
        assert stored(engine)[pks["odd"]] == 1
        again = place_uniqueness(engine)
        assert again.analyses_changed == 0  # rows already right are not written

    def test_counts_equal_the_similarity_index_answers(self, engine: sa.Engine) -> None:
        """What is stored is what ``clauselens unique`` lists: unique analyses are exactly those
        of the provisions it prints."""
        three_platforms(engine)
        place_uniqueness(engine)
        result = CliRunner().invoke(
            main, ["--db", engine.url.render_as_string(hide_password=False), "unique", "--json"]
        )
        assert result.exit_code == 0, result.output
        listed = {(u["entity"], u["heading_path"][-1]) for u in json.loads(result.output)}
        with engine.connect() as conn:
            a, c, v, d = t.analyses.c, t.clauses.c, t.versions.c, t.documents.c
            rows = conn.execute(
                sa.select(d.entity, c.heading_path)
                .join(t.clauses, c.id == a.clause_pk)
                .join(t.versions, v.id == c.version_pk)
                .join(t.documents, d.id == v.document_pk)
                .where(a.similar_platforms == 0)
            ).all()
        assert {(e, path[-1]) for e, path in rows} == listed
        assert ("Acme", "Orchards") in listed


SENTENCES = [ARBITRATION, ARBITRATION_BETA, ARBITRATION_GAMMA, ODD, RETENTION]


def by_sha(engine: sa.Engine) -> dict[str, int]:
    return similar_platform_counts(engine, incremental=False).by_sha


class TestIncremental:
    def test_nothing_changed_compares_nothing_again(self, engine: sa.Engine) -> None:
        three_platforms(engine)
        first = place_uniqueness(engine)
        again = place_uniqueness(engine)
        assert first.recompared == first.provisions > 0
        assert again.recompared == 0
        assert again.unique == first.unique

    def test_a_new_platform_compares_only_what_it_can_change(self, engine: sa.Engine) -> None:
        """A provision like nobody's new one keeps its count without being compared again."""
        three_platforms(engine)
        place_uniqueness(engine)
        analysed(engine, "Delta", [("Orchards", ODD.replace("three", "four"))])
        placed = place_uniqueness(engine)
        assert 0 < placed.recompared < placed.provisions
        assert similar_platform_counts(engine, incremental=True).by_sha == by_sha(engine)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["Acme", "Beta", "Gamma", "Delta"]),
            st.lists(st.sampled_from(range(len(SENTENCES))), min_size=1, max_size=3),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_incremental_counts_equal_a_full_comparison(
    engine: sa.Engine, edits: list[tuple[str, list[int]]]
) -> None:
    """After any sequence of new versions and platforms, the counts placed incrementally
    are the counts of comparing everything again."""
    three_platforms(engine)
    place_uniqueness(engine)
    for entity, picks in edits:
        sections = [(f"Section {i}", SENTENCES[k]) for i, k in enumerate(picks)]
        analysed(engine, entity, sections)
        place_uniqueness(engine)
        with engine.connect() as conn:
            a = t.analyses.c
            placed = dict(
                conn.execute(
                    sa.select(a.clause_sha256, a.similar_platforms).where(
                        a.similar_platforms.is_not(None)
                    )
                ).all()
            )
        full = by_sha(engine)
        assert {sha: placed[sha] for sha in full if sha in placed} == {
            sha: n for sha, n in full.items() if sha in placed
        }
        assert set(placed) <= set(full)


class TestRun:
    def test_run_compares_and_review_list_shows_the_counts(
        self, db_url: str, tmp_path: Path
    ) -> None:
        for entity, text in (("Acme", ODD), ("Beta", ARBITRATION_BETA)):
            (tmp_path / f"{entity}.md").write_text(
                f"# {TITLE}\n\n## Section\n\n{text}\n\n## Disputes\n\n{ARBITRATION}\n",
                encoding="utf-8",
            )
        runner = CliRunner()
        for entity in ("Acme", "Beta"):
            result = runner.invoke(
                main,
                [
                    *("--db", db_url, "run", str(tmp_path / f"{entity}.md")),
                    *("--entity", entity, "--title", TITLE, "--analyzer", "offline"),
                ],
            )
            assert result.exit_code in (0, 1), result.output
        assert "current provisions of 2 platforms" in result.output
        listed = runner.invoke(
            main, ["--db", db_url, "review", "list", "--json", "--status", "any"]
        )
        items = json.loads(listed.output)["items"]
        assert items, listed.output
        assert all(isinstance(i["similar_platforms"], int) for i in items)
        assert {i["similar_platforms"] for i in items} >= {0, 1}


class TestMigration:
    def test_migration_0015_adds_the_column_not_compared(self, engine: sa.Engine) -> None:
        three_platforms(engine)
        undo_queue_migration(engine, "m0015_analyses_similar_platforms", "similar_platforms")
        assert apply_migrations(engine) == ["m0015_analyses_similar_platforms"]
        assert set(stored(engine).values()) == {None}
        assert queue_indexes(engine) == set(QUEUE_INDEXES)
        place_uniqueness(engine)
        assert 0 in stored(engine).values()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    first=st.dictionaries(st.integers(0, 3), st.integers(0, 4)),
    second=st.dictionaries(st.integers(0, 3), st.integers(0, 4)),
)
def test_set_similar_platforms_stores_exactly_the_counts_given(
    first: dict[int, int], second: dict[int, int]
) -> None:
    """After ``set_similar_platforms(counts)`` an analysis holds its text's count, or NULL when
    its text is not in ``counts``; the number reported changed is the number of rows that
    differ from before."""
    with tempfile.TemporaryDirectory() as folder:
        engine = open_store(f"sqlite:///{Path(folder) / 'store.db'}")
        texts = [ARBITRATION, ODD, RETENTION, ARBITRATION_BETA]
        pks = analysed(engine, "Acme", [(f"Part {i}", text) for i, text in enumerate(texts)])
        a = t.analyses.c
        with engine.connect() as conn:
            sha_of = dict(conn.execute(sa.select(a.id, a.clause_sha256)).all())
        shas = [sha_of[pk] for pk in pks]
        for counts in (first, second):
            before = stored(engine)
            wanted = {shas[i]: n for i, n in counts.items()}
            with engine.begin() as conn:
                changed = set_similar_platforms(conn, wanted)
            after = stored(engine)
            assert after == {pk: wanted.get(sha_of[pk]) for pk in pks}
            assert changed == sum(1 for pk in pks if before[pk] != after[pk])
        assert similar_platform_counts(engine).platforms == 1
        engine.dispose()
