"""Superseded analyses in the review queue (issue 16, point 10 follow-up): an analysis whose text
a later version reworded or removed sinks below every current one and says which version
replaced it; a version that arrives late (older than the latest) supersedes nothing.

Documents are SYNTHETIC (written here, not from any real policy) and go in through ``ingest``;
analyses through ``persist.save_result`` (tests/support/review_seed), as a run stores them. The
quick-start check reads the store an offline run over ``fixtures/ota`` builds (``ota_store``).
"""

from __future__ import annotations

import json
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from clauselens import review
from clauselens.cli import main
from clauselens.config import load_settings
from clauselens.pipeline.ingest.captures import ingest_one
from clauselens.pipeline.ingest.manifest import CaptureMeta
from clauselens.review import QueueFilter
from clauselens.store import open_store
from clauselens.store import tables as t
from clauselens.store.migrations import apply_migrations
from clauselens.store.queries import latest_versions
from clauselens.store.queries.review import clause_of_analysis
from clauselens.web import ServeConfig, create_app
from tests.support.migrations import QUEUE_INDEXES, queue_indexes, undo_queue_migration
from tests.support.review_seed import analysis_of, save_analysis

pytestmark = pytest.mark.stores

ENTITY, TITLE = "Acme", "Terms of Service"
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
RETENTION = (
    "We retain personal data about your account for as long as your account is active and may "
    "share it with our affiliates for any purpose consistent with this policy."
)
RETENTION_V2 = (
    "We retain personal data about your account for twelve months after you close it and share "
    "it with our affiliates only to provide the services."
)
ARBITRATION = (
    "Any dispute arising from these terms will be resolved by binding individual arbitration, "
    "and you waive any right to a jury trial or to take part in a class action."
)


def ingest_at(engine: sa.Engine, sections: list[tuple[str, str]], at: datetime) -> int:
    """Ingest a SYNTHETIC capture of Acme's terms captured ``at``: its version's row id."""
    text = "\n\n".join(f"## {heading}\n\n{body}" for heading, body in sections) + "\n"
    conf = load_settings({"db_url": engine.url.render_as_string(hide_password=False)})
    with tempfile.TemporaryDirectory() as folder:
        capture = Path(folder) / "capture.md"
        capture.write_text(text, encoding="utf-8")
        outcome = ingest_one(engine, CaptureMeta(capture, ENTITY, TITLE, TITLE, at), conf)
    assert outcome.version_pk is not None, outcome
    return outcome.version_pk


def clause_with(engine: sa.Engine, version_pk: int, text: str) -> tuple[int, str]:
    c = t.clauses.c
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(c.id, c.clause_sha256, c.text).where(c.version_pk == version_pk)
        ).all()
    return next((r.id, r.clause_sha256) for r in rows if text in r.text)


def analyse(engine: sa.Engine, clause: tuple[int, str], text: str) -> int:
    """A high-severity, medium-confidence analysis: every one carries the same flag."""
    quote = text[:40]
    return save_analysis(engine, clause, analysis_of(quote, severity="high", confidence="medium"))


def superseded(engine: sa.Engine) -> dict[int, bool]:
    a = t.analyses.c
    with engine.connect() as conn:
        return {pk: bool(v) for pk, v in conn.execute(sa.select(a.id, a.superseded))}


def order(engine: sa.Engine) -> list[int]:
    return [item.analysis_pk for item in review.list_queue(engine, QueueFilter(status="pending"))]


def reworded(engine: sa.Engine) -> dict[str, int]:
    """Version 1: retention and arbitration, both analysed; version 2 rewords retention, and its
    new text is analysed too."""
    first = ingest_at(engine, [("Privacy", RETENTION), ("Disputes", ARBITRATION)], START)
    old = analyse(engine, clause_with(engine, first, RETENTION), RETENTION)
    kept = analyse(engine, clause_with(engine, first, ARBITRATION), ARBITRATION)
    later = START + timedelta(days=30)
    second = ingest_at(engine, [("Privacy", RETENTION_V2), ("Disputes", ARBITRATION)], later)
    new = analyse(engine, clause_with(engine, second, RETENTION_V2), RETENTION_V2)
    return {"old": old, "kept": kept, "new": new}


class TestSink:
    def test_the_reworded_clause_sinks_below_every_current_analysis(
        self, engine: sa.Engine
    ) -> None:
        """Same flag and severity: the reworded text first (novelty), then the kept one, and the
        old wording, which would come before the kept one by id, last."""
        pks = reworded(engine)
        assert order(engine) == [pks["new"], pks["kept"], pks["old"]]
        assert superseded(engine) == {pks["old"]: True, pks["kept"]: False, pks["new"]: False}

    def test_it_says_which_version_replaced_it(self, engine: sa.Engine) -> None:
        pks = reworded(engine)
        item = review.get_item(engine, pks["old"]).item
        assert item.why.startswith("last: superseded by version 2 (2026-02-04) · ")
        current = review.get_item(engine, pks["kept"]).item
        assert "superseded" not in current.why

    def test_an_analysis_saved_for_a_superseded_text_sinks_at_once(self, engine: sa.Engine) -> None:
        """A run that analyses an old version's clause after a newer version arrived stores it
        already superseded."""
        first = ingest_at(engine, [("Privacy", RETENTION)], START)
        ingest_at(engine, [("Privacy", RETENTION_V2)], START + timedelta(days=1))
        late = analyse(engine, clause_with(engine, first, RETENTION), RETENTION)
        assert superseded(engine) == {late: True}

    def test_a_removed_clause_is_superseded_and_a_restored_one_is_current_again(
        self, engine: sa.Engine
    ) -> None:
        first = ingest_at(engine, [("Privacy", RETENTION), ("Disputes", ARBITRATION)], START)
        pk = analyse(engine, clause_with(engine, first, ARBITRATION), ARBITRATION)
        ingest_at(engine, [("Privacy", RETENTION)], START + timedelta(days=1))
        assert superseded(engine) == {pk: True}
        ingest_at(engine, [("Privacy", RETENTION), ("Disputes", ARBITRATION)], START + timedelta(2))
        assert superseded(engine) == {pk: False}

    def test_the_cli_and_the_web_queue_say_superseded_by(
        self, engine: sa.Engine, db_url: str
    ) -> None:
        reworded(engine)
        result = CliRunner().invoke(main, ["--db", db_url, "review", "list"])
        assert result.exit_code == 0, result.output
        lines = [line.strip() for line in result.output.splitlines() if "why here:" in line]
        assert lines[-1].startswith("why here: last: superseded by version 2 (2026-02-04)")
        assert not any("superseded" in line for line in lines[:-1])
        client = TestClient(
            create_app(engine, ServeConfig(reviewer="ana")), base_url="http://127.0.0.1:8000"
        )
        assert client.get("/").text.count("superseded by version 2 (2026-02-04)") == 1

    def test_review_list_json_gives_superseded_by_as_data(
        self, engine: sa.Engine, db_url: str
    ) -> None:
        pks = reworded(engine)
        result = CliRunner().invoke(main, ["--db", db_url, "review", "list", "--json"])
        assert result.exit_code == 0, result.output
        items = {i["id"]: i for i in json.loads(result.output)["items"]}
        assert items[pks["old"]]["superseded"] is True
        by = items[pks["old"]]["superseded_by"]
        assert by["version"] == 2
        assert by["captured_at"].startswith("2026-02-04")
        assert items[pks["kept"]]["superseded"] is False
        assert items[pks["kept"]]["superseded_by"] is None


class TestLateVersion:
    def test_a_late_older_version_does_not_supersede_the_current_text(
        self, engine: sa.Engine
    ) -> None:
        """Versions 1 and 3 are ingested, version 2 (captured between them, with other words)
        arrives last: the analysis of version 3's text stays current, and an analysis of the
        late version's text is superseded by version 3."""
        ingest_at(engine, [("Privacy", RETENTION)], START)
        latest = ingest_at(engine, [("Privacy", RETENTION_V2)], START + timedelta(days=20))
        current = analyse(engine, clause_with(engine, latest, RETENTION_V2), RETENTION_V2)
        late = ingest_at(engine, [("Privacy", ARBITRATION)], START + timedelta(days=10))
        assert superseded(engine) == {current: False}
        old = analyse(engine, clause_with(engine, late, ARBITRATION), ARBITRATION)
        assert superseded(engine) == {current: False, old: True}
        assert order(engine) == [current, old]
        why = review.get_item(engine, old).item.why
        assert why.startswith("last: superseded by version 3 (2026-01-25)")


TEXTS = (RETENTION, RETENTION_V2, ARBITRATION)
VERSIONS = st.lists(
    st.tuples(st.integers(0, 30), st.sets(st.sampled_from(range(len(TEXTS))), min_size=1)),
    min_size=1,
    max_size=4,
    unique_by=lambda v: v[0],
)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(versions=VERSIONS)
def test_superseded_is_the_latest_versions_rule_whatever_the_arrival_order(
    versions: list[tuple[int, set[int]]],
) -> None:
    """Captures (day, texts) arrive in any order, each analysed as it arrives; afterwards an
    analysis is superseded exactly when the document's latest version lacks its text, and every
    superseded analysis is listed after every current one."""
    with tempfile.TemporaryDirectory() as folder:
        engine = open_store(f"sqlite:///{Path(folder) / 'store.db'}")
        analysed: dict[str, int] = {}
        for day, texts in versions:
            sections = [(f"Part {i}", TEXTS[i]) for i in sorted(texts)]
            version = ingest_at(engine, sections, START + timedelta(days=day))
            for i in sorted(texts):
                clause = clause_with(engine, version, TEXTS[i])
                if clause[1] not in analysed:
                    analysed[clause[1]] = analyse(engine, clause, TEXTS[i])
        got = superseded(engine)
        queue = order(engine)
        v, c = t.versions.c, t.clauses.c
        with engine.connect() as conn:
            # the latest version: the last by capture time (a capture of the text already in
            # force makes no version), then by id
            latest = conn.execute(
                sa.select(v.id).order_by(v.captured_at.desc(), v.id.desc()).limit(1)
            ).scalar_one()
            in_force = set(
                conn.execute(sa.select(c.clause_sha256).where(c.version_pk == latest)).scalars()
            )
            latest_text = conn.execute(sa.select(v.text).where(v.id == latest)).scalar_one()
        engine.dispose()
    # the text in force is the last capture's, whatever the order the captures arrived in
    _, last_texts = max(versions)
    assert {i for i, text in enumerate(TEXTS) if text in latest_text} == last_texts
    assert got == {pk: sha not in in_force for sha, pk in analysed.items()}
    flags = [got[pk] for pk in queue]
    assert flags == sorted(flags)


class TestMigration:
    def test_migration_0013_marks_the_analyses_already_stored(self, engine: sa.Engine) -> None:
        """A store as migration 0012 left it (no ``superseded``) gets the column, set, and the
        queue sinks the old analysis again."""
        pks = reworded(engine)
        undo_queue_migration(engine, "m0013_analyses_superseded", "superseded")
        assert apply_migrations(engine) == ["m0013_analyses_superseded"]
        assert superseded(engine)[pks["old"]] is True
        assert order(engine)[-1] == pks["old"]
        assert queue_indexes(engine) == set(QUEUE_INDEXES)


def test_the_quick_start_queue_lists_no_provision_twice_in_its_top_ten(
    ota_store: sa.Engine,
) -> None:
    """The offline run over ``fixtures/ota`` analysed every version's wording of ChatGPT's
    "Business use of the Services addendum": only the wording in force is near the top."""
    top = [item.analysis_pk for item in review.queue_page(ota_store, limit=10).items]
    a, c = t.analyses.c, t.clauses.c
    latest = latest_versions()
    owner = sa.select(a.id, clause_of_analysis().label("clause_pk")).subquery()
    with ota_store.connect() as conn:
        provisions = dict(
            conn.execute(
                sa.select(owner.c.id, c.provision_pk)
                .join(t.clauses, c.id == owner.c.clause_pk)
                .where(owner.c.id.in_(top))
            ).all()
        )
        current = set(
            conn.execute(
                sa.select(c.clause_sha256).join(latest, latest.c.version_pk == c.version_pk)
            ).scalars()
        )
        texts = dict(conn.execute(sa.select(a.id, a.clause_sha256).where(a.id.in_(top))).all())
        superseded_total = conn.execute(
            sa.select(sa.func.count()).where(a.superseded.is_(True))
        ).scalar_one()
    assert len(top) == 10
    assert len(set(provisions.values())) == len(top)
    assert all(texts[pk] in current for pk in top)
    assert superseded_total > 0  # the fixture has reworded provisions: the test can fail
