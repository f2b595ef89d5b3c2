"""The review queue computed by the store: pages, order, filters, counts, neighbours, migration.

Every store here is made through the library: SYNTHETIC documents go in with ``ingest`` (so
they are segmented as a run would), analyses with ``persist.save_result`` (so flags are
computed by the shipped rules), decisions with ``review.approve/edit/reject``. The reference
order is the queue's old Python logic: flags as stored, severity read from the analysis as it
stands (the analyst's edit first), ``QueueItem.sort_key``.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from clauselens import review
from clauselens.cli import main
from clauselens.config import Settings, load_settings
from clauselens.pipeline.analyze.persist import save_result
from clauselens.pipeline.ingest.captures import ingest
from clauselens.review import QueueFilter
from clauselens.schemas import LEVEL_RANK, AnalysisResult, ClauseAnalysis, Provenance
from clauselens.store import open_store
from clauselens.store import tables as t
from clauselens.store.migrations import apply_migrations
from clauselens.store.queries.analyses import standing_analysis
from clauselens.web import ServeConfig, create_app

NOW = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
LEVELS = ("high", "medium", "low")


@dataclass(frozen=True)
class StoredClause:
    pk: int
    sha: str
    quote: str


def clause_body(entity: str, i: int) -> str:
    """A SYNTHETIC clause of about thirty words (not from any real policy)."""
    return (
        f"We may suspend account {i} of {entity} without notice if you breach these terms. "
        f"You must not share output {i} with third parties for training competing models."
    )


def ingest_document(
    engine: sa.Engine, settings: Settings, folder: Path, entity: str, clauses: int
) -> list[StoredClause]:
    """Ingest one SYNTHETIC document of ``clauses`` sections; return its stored clauses."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{entity.lower().replace(' ', '-')}.md"
    sections = [f"## Section {i + 1}\n\n{clause_body(entity, i)}" for i in range(clauses)]
    path.write_text("\n\n".join(sections) + "\n", "utf-8")
    options = {"entity": entity, "title": "Terms of Service", "captured_at": NOW}
    [outcome] = ingest(engine, [path], settings, options).outcomes
    c = t.clauses.c
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(c.id, c.clause_sha256, c.text)
            .where(c.version_pk == outcome.version_pk)
            .order_by(c.idx)
        ).all()
    found = [
        StoredClause(row.id, row.clause_sha256, f"We may suspend account {i} of {entity}")
        for i, row in enumerate(r for r in rows if "We may suspend" in r.text)
    ]
    assert len(found) == clauses, "each section should be one clause"
    return found


def analysis_of(clause: StoredClause, severity: str, confidence: str) -> ClauseAnalysis:
    """A plausible, schema-valid SYNTHETIC analysis quoting the clause."""
    return ClauseAnalysis.model_validate(
        {
            "title": f"Suspension without notice ({clause.quote[-12:]})",
            "summary": "The provider may suspend an account without notice after a breach.",
            "why_it_matters": "Users can lose access abruptly.",
            "consumer_impact": "Consumers may lose their data and work without warning.",
            "institutional_analysis": {
                "regulatory_landscape": "FTC Act s.5; EU Digital Services Act.",
                "governance_exposure": {"level": "medium", "rationale": "Access can end."},
                "jurisdiction_flags": [{"jurisdiction": "EU", "note": "DSA statement of reasons."}],
                "contract_and_vendor_implications": "Plan for sudden loss of access.",
                "compliance_considerations": "Keep exports of critical data.",
            },
            "applicable_agencies": [
                {"name": "FTC", "jurisdiction": "US", "authority": "Unfair practices."}
            ],
            "severity": severity,
            "confidence": confidence,
            "confidence_rationale": "The clause is explicit.",
            "evidence_type": "explicit_language",
            "evidence_quotes": [clause.quote],
            "categories": ["content_removal"],
            "truncation_note": None,
        }
    )


def save(
    engine: sa.Engine,
    clause: StoredClause,
    severity: str = "medium",
    confidence: str = "high",
    *,
    analyzer: str = "claude",
    failed: bool = False,
) -> int:
    """Store an analysis through ``persist.save_result``, as a run does."""
    provenance = Provenance(
        analyzer=analyzer,  # type: ignore[arg-type]
        model="offline-rules" if analyzer == "offline" else "claude-sonnet-5-5",
        prompt_id="clause-analysis",
        prompt_version="p1",
        generated_at=NOW,
        stop_reason="end_turn",
    )
    result = AnalysisResult(
        clause_sha256=clause.sha,
        status="failed" if failed else "valid",
        analysis=None if failed else analysis_of(clause, severity, confidence),
        error="schema_invalid: no JSON" if failed else None,
        provenance=provenance,
    )
    with engine.begin() as conn:
        return save_result(conn, result, clause_pk=clause.pk)


def outranked(engine: sa.Engine, pk: int) -> bool:
    """Whether another analysis stands for ``pk``'s text, by the standing rule's own query."""
    with engine.connect() as conn:
        sha = conn.execute(
            sa.select(t.analyses.c.clause_sha256).where(t.analyses.c.id == pk)
        ).scalar_one()
        stands = standing_analysis(conn, sha)
    return stands is not None and stands.pk != pk


def python_order(engine: sa.Engine, pks: list[int], filters: QueueFilter) -> list[int]:
    """The queue's old logic: every analysis read whole, filtered and sorted in Python; an
    analysis another one of its text outranks after every one that stands."""
    items = [review.get_item(engine, pk) for pk in pks]
    kept = []
    for got in items:
        item, standing = got.item, got.analysis or {}
        checks = [
            filters.entity is None or item.entity == filters.entity,
            filters.severity is None or standing.get("severity") == filters.severity,
            filters.status is None or item.review_status == filters.status,
            filters.flag is None or any(f.code == filters.flag for f in item.flags),
        ]
        if all(checks):
            top = min((f.priority for f in item.flags), default=t.NO_FLAG_PRIORITY)
            rank = -LEVEL_RANK.get(standing.get("severity") or "", -1)
            beaten = outranked(engine, item.analysis_pk)
            kept.append((beaten, top, rank, item.analysis_pk))
    return [pk for *_, pk in sorted(kept)]


def sql_order(engine: sa.Engine, filters: QueueFilter) -> list[int]:
    return [i.analysis_pk for i in review.list_queue(engine, filters)]


@pytest.fixture
def clauses(engine: sa.Engine, settings: Settings, tmp_path: Path) -> dict[str, list[StoredClause]]:
    """Two entities' documents: Alpha with six clauses, Beta with three."""
    return {
        name: ingest_document(engine, settings, tmp_path / "captures", name, n)
        for name, n in (("Alpha", 6), ("Beta", 3))
    }


@pytest.fixture
def queue(engine: sa.Engine, clauses: dict[str, list[StoredClause]]) -> dict[str, int]:
    """Nine analyses with varied flags, severities and entities."""
    a, b = clauses["Alpha"], clauses["Beta"]
    return {
        "failed": save(engine, a[0], failed=True),  # failed (10)
        "unsure": save(engine, a[1], "high", "medium"),  # high_severity_unsure (20)
        "low_high": save(engine, a[2], "high", "low"),  # high_severity_unsure + low_confidence
        "low_medium": save(engine, a[3], "medium", "low"),  # low_confidence (50)
        "low_low": save(engine, a[4], "low", "low"),  # low_confidence (50)
        "plain_medium": save(engine, a[5], "medium", "high"),  # no flag
        "beta_low": save(engine, b[0], "low", "high"),  # no flag
        "beta_high": save(engine, b[1], "high", "high"),  # no flag
        "beta_unsure": save(engine, b[2], "high", "low"),  # high_severity_unsure + low_conf.
    }


class TestPages:
    def test_pages_cover_the_queue_once_in_queue_order(
        self, engine: sa.Engine, queue: dict[str, int]
    ) -> None:
        """Pages of four, read in turn, give every analysis once, in the whole queue's order."""
        whole = sql_order(engine, QueueFilter())
        paged: list[int] = []
        for offset in range(0, 12, 4):
            page = review.queue_page(engine, QueueFilter(), limit=4, offset=offset)
            paged += [i.analysis_pk for i in page.items]
        assert paged == whole
        assert sorted(paged) == sorted(queue.values())

    def test_page_says_how_many_pages_there_are(
        self, engine: sa.Engine, queue: dict[str, int]
    ) -> None:
        """Nine analyses in pages of four: page 3 of 3 holds one."""
        page = review.queue_page(engine, QueueFilter(), limit=4, offset=8)
        assert (page.total, page.number, page.pages, len(page.items)) == (9, 3, 3, 1)

    def test_a_page_past_the_end_is_empty_but_keeps_the_total(
        self, engine: sa.Engine, queue: dict[str, int]
    ) -> None:
        """Asking beyond the last page gives no items and the true total."""
        page = review.queue_page(engine, QueueFilter(), limit=4, offset=40)
        assert (page.items, page.total) == ([], 9)


class TestOrder:
    def test_order_is_flag_priority_then_severity_then_id(
        self, engine: sa.Engine, queue: dict[str, int]
    ) -> None:
        """Failed first; then high_severity_unsure by severity; low_confidence; unflagged last."""
        expected = [
            "failed",
            "unsure",
            "low_high",
            "beta_unsure",
            "low_medium",
            "low_low",
            "beta_high",
            "plain_medium",
            "beta_low",
        ]
        assert sql_order(engine, QueueFilter()) == [queue[name] for name in expected]

    def test_edited_severity_moves_an_item(self, engine: sa.Engine, queue: dict[str, int]) -> None:
        """Editing an unflagged analysis from low to high moves it from last to first among the
        unflagged (before the other high one, by id)."""
        before = sql_order(engine, QueueFilter())
        assert before[-3:] == [queue["beta_high"], queue["plain_medium"], queue["beta_low"]]
        review.edit(engine, queue["beta_low"], "ana", {"severity": "high"})
        after = sql_order(engine, QueueFilter())
        assert after[-3:] == [queue["beta_low"], queue["beta_high"], queue["plain_medium"]]

    def test_edit_keeps_the_severity_and_confidence_columns_standing(
        self, engine: sa.Engine, queue: dict[str, int]
    ) -> None:
        """After an edit the columns hold the edited values, as the analysis now stands."""
        pk = queue["low_medium"]
        review.edit(engine, pk, "ana", {"severity": "high", "confidence": "medium"})
        a = t.analyses.c
        with engine.connect() as conn:
            row = conn.execute(sa.select(a.severity, a.confidence).where(a.id == pk)).one()
        assert tuple(row) == ("high", "medium")


class TestFilters:
    def test_entity_filter_keeps_that_entitys_analyses(
        self, engine: sa.Engine, queue: dict[str, int]
    ) -> None:
        """?entity=Beta keeps Beta's three analyses, in queue order."""
        got = sql_order(engine, QueueFilter(entity="Beta"))
        assert got == [queue["beta_unsure"], queue["beta_high"], queue["beta_low"]]

    def test_severity_filter_reads_the_edited_severity(
        self, engine: sa.Engine, queue: dict[str, int]
    ) -> None:
        """An analysis edited to high is found by severity=high and no longer by low."""
        review.edit(engine, queue["low_low"], "ana", {"severity": "high"})
        assert queue["low_low"] in sql_order(engine, QueueFilter(severity="high"))
        assert queue["low_low"] not in sql_order(engine, QueueFilter(severity="low"))

    def test_status_filter_keeps_that_review_status(
        self, engine: sa.Engine, queue: dict[str, int]
    ) -> None:
        """A rejected analysis leaves the pending queue and is the whole rejected one."""
        review.reject(engine, queue["unsure"], "ana", "wrong clause")
        assert queue["unsure"] not in sql_order(engine, QueueFilter(status="pending"))
        assert sql_order(engine, QueueFilter(status="rejected")) == [queue["unsure"]]

    def test_flag_filter_keeps_analyses_with_that_flag(
        self, engine: sa.Engine, queue: dict[str, int]
    ) -> None:
        """flag=high_severity_unsure keeps the three high-severity, less-than-high ones."""
        got = sql_order(engine, QueueFilter(flag="high_severity_unsure"))
        assert got == [queue["unsure"], queue["low_high"], queue["beta_unsure"]]


class TestCounts:
    def test_total_counts_every_match_beyond_the_page(
        self, engine: sa.Engine, queue: dict[str, int]
    ) -> None:
        """Alpha has six analyses; a page of two still reports six."""
        page = review.queue_page(engine, QueueFilter(entity="Alpha"), limit=2)
        assert (len(page.items), page.total) == (2, 6)

    def test_flag_counts_ignore_the_flag_filter_and_keep_the_others(
        self, engine: sa.Engine, queue: dict[str, int]
    ) -> None:
        """Counts by flag for Alpha, with a flag filter set, count every Alpha flag."""
        counts = review.flag_counts(engine, QueueFilter(flag="failed", entity="Alpha"))
        assert counts == {"low_confidence": 3, "high_severity_unsure": 2, "failed": 1}

    def test_flag_counts_are_most_common_first(
        self, engine: sa.Engine, queue: dict[str, int]
    ) -> None:
        """The counts come most common first."""
        counts = review.flag_counts(engine, QueueFilter())
        assert list(counts.items()) == [
            ("low_confidence", 4),
            ("high_severity_unsure", 3),
            ("failed", 1),
        ]


class TestNeighbours:
    def test_neighbours_are_the_analyses_around_it_in_queue_order(
        self, engine: sa.Engine, queue: dict[str, int]
    ) -> None:
        """In the Beta queue the middle item sits between the other two."""
        got = review.neighbours(engine, queue["beta_high"], QueueFilter(entity="Beta"))
        assert got == (queue["beta_unsure"], queue["beta_low"])

    def test_an_analysis_outside_the_queue_has_no_previous_and_the_first_next(
        self, engine: sa.Engine, queue: dict[str, int]
    ) -> None:
        """An Alpha analysis in the Beta queue: previous none, next the Beta queue's first."""
        got = review.neighbours(engine, queue["unsure"], QueueFilter(entity="Beta"))
        assert got == (None, queue["beta_unsure"])


class TestMigration:
    def test_migration_0006_backfills_priorities_and_edited_levels(
        self, engine: sa.Engine, queue: dict[str, int]
    ) -> None:
        """A store as migration 0005 left it (no top_priority, edited severity only in the
        JSON) gets both from migration 0006, and the queue order is the Python one again."""
        review.edit(engine, queue["beta_low"], "ana", {"severity": "high"})
        with engine.begin() as conn:  # put the store back as it was before 0006
            for name in (
                "ix_analyses_queue",
                "ix_analyses_queue_any",
                "ix_analyses_clause_pk",
                "ix_flags_code",
            ):
                conn.exec_driver_sql(f"DROP INDEX {name}")
            conn.exec_driver_sql("ALTER TABLE analyses DROP COLUMN top_priority")
            conn.exec_driver_sql(
                "UPDATE analyses SET severity = 'low' WHERE id = ?", (queue["beta_low"],)
            )
            conn.exec_driver_sql("DELETE FROM _migrations WHERE name = 'm0006_review_queue'")
        assert apply_migrations(engine) == ["m0006_review_queue"]
        pks = sorted(queue.values())
        assert sql_order(engine, QueueFilter()) == python_order(engine, pks, QueueFilter())


class TestCommandAndPage:
    def test_review_list_shows_one_page_and_says_how_many(
        self, db_url: str, queue: dict[str, int]
    ) -> None:
        """`review list --status any --limit 4 --page 2` lists items 5-8 of nine."""
        args = ["--db", db_url, "review", "list", "--status", "any", "--limit", "4", "--page", "2"]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        assert "9 analyses; 5-8 shown, page 2 of 3" in result.output

    def test_review_list_json_pages(self, db_url: str, queue: dict[str, int]) -> None:
        """--json gives the page's items with the total and the number of pages."""
        args = ["--db", db_url, "review", "list", "--status", "any", "--limit", "4", "--json"]
        got = json.loads(CliRunner().invoke(main, args).output)
        assert (len(got["items"]), got["total"], got["page"], got["pages"]) == (4, 9, 1, 3)

    def test_web_queue_shows_one_page_and_links_the_next(
        self, engine: sa.Engine, queue: dict[str, int]
    ) -> None:
        """With pages of four the queue page says page 1 of 3 and links page 2."""
        app = create_app(engine, ServeConfig(reviewer="ana", page_size=4))
        client = TestClient(app, base_url="http://127.0.0.1:8000")
        text = client.get("/?status=any").text
        assert "page 1 of 3" in text
        assert 'rel="next" href="/?status=any&amp;page=2"' in text
        assert text.count('<tr data-href="/item/') == 4


# --- the order against the old Python logic, on varied stores -------------------------------

REVIEWS = st.sampled_from(
    [None, "approve", "reject", "edit:high", "edit:medium", "edit:low", "edit:confidence"]
)
SPECS = st.lists(
    st.tuples(
        st.integers(0, 2),  # which entity
        st.sampled_from(LEVELS),  # severity
        st.sampled_from(LEVELS),  # confidence
        st.booleans(),  # failed
        st.booleans(),  # a second opinion by the offline analyzer
        REVIEWS,
    ),
    min_size=1,
    max_size=12,
)
ENTITIES = ("Alpha", "Beta", "Gamma")


def _decide(engine: sa.Engine, pk: int, decision: str | None) -> None:
    """Approve, reject or edit (an edit to the value already there is skipped: it is refused)."""
    if decision == "approve":
        review.approve(engine, pk, "ana")
    elif decision == "reject":
        review.reject(engine, pk, "ana", "not this one")
    elif decision is not None:
        field, value = (
            ("confidence", "medium")
            if decision == "edit:confidence"
            else (
                "severity",
                decision.split(":")[1],
            )
        )
        if (review.get_item(engine, pk).analysis or {}).get(field) != value:
            review.edit(engine, pk, "ana", {field: value})


@pytest.fixture
def varied_store() -> Iterator[Any]:
    """A builder of fresh stores from hypothesis specs (one temporary folder per example)."""
    made: list[sa.Engine] = []

    def build(specs: list[Any]) -> tuple[sa.Engine, list[int]]:
        folder = Path(tempfile.mkdtemp(prefix="queue-prop-"))
        settings = load_settings({"db_url": f"sqlite:///{folder / 'store.db'}"})
        engine = open_store(settings.db_url)
        made.append(engine)
        per_entity = Counter(spec[0] for spec in specs)
        docs = {
            e: ingest_document(engine, settings, folder, ENTITIES[e], n)
            for e, n in per_entity.items()
        }
        used: Counter[int] = Counter()
        pks: list[int] = []
        for entity, severity, confidence, failed, second, decision in specs:
            clause = docs[entity][used[entity]]
            used[entity] += 1
            pk = save(engine, clause, severity, confidence, failed=failed)
            pks.append(pk)
            if second:
                pks.append(
                    save(
                        engine,
                        clause,
                        LEVELS[-1 - LEVELS.index(severity)],
                        "low",
                        analyzer="offline",
                    )
                )
            if not (failed and decision not in (None, "reject")):
                _decide(engine, pk, decision)
        return engine, pks

    yield build
    for engine in made:
        engine.dispose()


# Each example builds a store (ingest, saves, decisions), so examples are few, and shrinking
# (which rebuilds a store per step, minutes on a loaded machine) is off: a failure reports the
# example as generated.
PROPERTY = settings(
    max_examples=10,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)


@PROPERTY
@given(
    specs=SPECS,
    filters=st.builds(
        QueueFilter,
        flag=st.sampled_from([None, "high_severity_unsure", "low_confidence", "offline_analyzer"]),
        entity=st.sampled_from([None, *ENTITIES]),
        severity=st.sampled_from([None, *LEVELS]),
        status=st.sampled_from([None, "pending", "edited"]),
    ),
)
def test_sql_queue_equals_the_python_queue(
    varied_store: Any, specs: list[Any], filters: QueueFilter
) -> None:
    """For any store and filters, the SQL queue holds the Python queue's items in its order,
    and a page says how many that is."""
    engine, pks = varied_store(specs)
    expected = python_order(engine, pks, filters)
    assert sql_order(engine, filters) == expected
    assert review.queue_page(engine, filters, limit=2).total == len(expected)


@PROPERTY
@given(specs=SPECS, size=st.integers(1, 5))
def test_pages_of_any_size_cover_the_queue_once(
    varied_store: Any, specs: list[Any], size: int
) -> None:
    """Pages of any size, read in turn, are the whole queue in order, each item once."""
    engine, pks = varied_store(specs)
    paged: list[int] = []
    for offset in range(0, len(pks) + size, size):
        paged += [
            i.analysis_pk
            for i in review.queue_page(engine, QueueFilter(), limit=size, offset=offset).items
        ]
    assert paged == python_order(engine, pks, QueueFilter())


@PROPERTY
@given(specs=SPECS)
def test_flag_counts_equal_the_flags_of_the_queue(varied_store: Any, specs: list[Any]) -> None:
    """Counts by flag equal the flags carried by the analyses of the queue."""
    engine, pks = varied_store(specs)
    expected = Counter(f.code for pk in pks for f in review.get_item(engine, pk).item.flags)
    assert review.flag_counts(engine, QueueFilter()) == dict(expected)
