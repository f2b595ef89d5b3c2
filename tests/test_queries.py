"""The query layer (``clauselens.store.queries``): latest versions, documents by name, and the
analysis that stands for a clause, over stores built by ``ingest`` from ``fixtures/``.

The analyses saved here are fixtures written by the project for these tests (not model output):
schema-valid, quoting the real clause text verbatim. Edits and rejections go through the review
library, as an analyst's would.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from pydantic import ValidationError

from clauselens.config import Settings
from clauselens.errors import NotFoundError, UsageError
from clauselens.export import iter_records
from clauselens.pipeline.analyze.persist import save_result
from clauselens.pipeline.ingest.captures import ingest
from clauselens.pipeline.versions import changes
from clauselens.review import decisions as review
from clauselens.schemas import AnalysisResult, Provenance
from clauselens.schemas.rows import Document, Version
from clauselens.store import queries
from clauselens.store import tables as t
from tests.support.analyses import written_analysis

pytestmark = pytest.mark.stores  # SQLite and PostgreSQL (tests/conftest.py)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
DEV_TERMS = FIXTURES / "ota/current/claude-ai/developer-terms.md"
MANIFEST = FIXTURES / "ota/manifest.jsonl"
DAY_1 = datetime(2026, 1, 1, tzinfo=UTC)


def ingest_text(
    engine: sa.Engine, settings: Settings, folder: Path, text: str, at: datetime
) -> list[int]:
    """Ingest ``text`` as a capture of Anthropic's Developer Terms at ``at``; its version pks."""
    path = folder / f"capture-{at:%Y%m%d%H%M%S}.md"
    path.write_text(text, "utf-8")
    options = {
        "entity": "Anthropic",
        "title": "Developer Terms",
        "terms_type": "Developer Terms",
        "captured_at": at,
    }
    report = ingest(engine, [path], settings, options)
    assert report.failed == []
    return report.versions


def clauses_of(engine: sa.Engine, version_pk: int) -> list[Any]:
    c = t.clauses.c
    with engine.connect() as conn:
        query = sa.select(t.clauses).where(c.version_pk == version_pk).order_by(c.idx)
        return list(conn.execute(query))


def without(text: str, *clauses: Any) -> str:
    """``text`` with the spans of ``clauses`` cut out (a derived version: sections removed)."""
    for clause in sorted(clauses, key=lambda c: c.start, reverse=True):
        text = text[: clause.start] + text[clause.end :]
    return text


def analyse(
    engine: sa.Engine,
    clause: Any,
    analyzer: str,
    *,
    severity: str = "medium",
    model: str | None = None,
    at: datetime = DAY_1,
    status: str = "valid",
) -> int:
    """Save a hand-written, schema-valid analysis of ``clause`` (or a failure); its row id."""
    valid = status == "valid"
    result = AnalysisResult(
        clause_sha256=clause.clause_sha256,
        status="valid" if valid else "failed",
        analysis=written_analysis(clause.text, severity=severity) if valid else None,
        error=None if valid else "schema_invalid after 3 attempts",
        provenance=Provenance(
            analyzer=analyzer,
            model=model or ("claude-sonnet-4-5" if analyzer == "claude" else "offline-claudette-1"),
            prompt_id="clause-analysis",
            prompt_version="test0001",
            generated_at=at,
        ),
    )
    with engine.begin() as conn:
        return save_result(conn, result, clause_pk=clause.id)


@pytest.fixture
def dev_terms(engine: sa.Engine, settings: Settings, tmp_path: Path) -> list[Any]:
    """Developer Terms ingested once; its clauses."""
    [version_pk] = ingest_text(engine, settings, tmp_path, DEV_TERMS.read_text("utf-8"), DAY_1)
    return clauses_of(engine, version_pk)


class TestDocuments:
    def test_latest_version_is_the_last_captured_not_the_last_ingested(
        self, engine: sa.Engine, settings: Settings, tmp_path: Path
    ) -> None:
        """A capture that arrives late (captured earlier) does not become the latest version."""
        text = DEV_TERMS.read_text("utf-8")
        [newer] = ingest_text(engine, settings, tmp_path, text, DAY_1 + timedelta(days=5))
        [older] = ingest_text(engine, settings, tmp_path, text + "\n\nA later line.", DAY_1)
        with engine.connect() as conn:
            doc = queries.find_document(conn, "Anthropic/Developer Terms")
            latest = queries.latest_version(conn, doc.pk)
        assert isinstance(latest, Version)
        assert older != newer
        assert latest.pk == newer

    def test_latest_versions_subquery_names_each_documents_latest_version(
        self, engine: sa.Engine, settings: Settings, tmp_path: Path
    ) -> None:
        """The all-documents subquery agrees with ``latest_version`` for every document."""
        assert ingest(engine, [MANIFEST], settings).failed == []
        text = DEV_TERMS.read_text("utf-8") + "\n\nA later line."
        ingest_text(engine, settings, tmp_path, text, datetime(2030, 1, 1, tzinfo=UTC))
        latest = queries.latest_versions()
        with engine.connect() as conn:
            rows = dict(conn.execute(sa.select(latest.c.document_pk, latest.c.version_pk)).all())
            docs = queries.all_documents(conn)
            expected = {d.pk: queries.latest_version(conn, d.pk) for d in docs}
        assert len(docs) > 2
        assert rows == {pk: v.pk for pk, v in expected.items() if v is not None}

    def test_find_document_by_id_by_name_and_by_unique_part(
        self, engine: sa.Engine, settings: Settings
    ) -> None:
        """A document is found by its id, "Entity/Title" or a unique substring of either."""
        assert ingest(engine, [MANIFEST], settings).failed == []
        with engine.connect() as conn:
            doc = queries.find_document(conn, "Claude.ai/Developer Terms")
            found = [
                queries.find_document(conn, doc.document_id).pk,
                queries.find_document(conn, "claude.ai developer").pk,
                getattr(queries.document_by_id(conn, doc.document_id), "pk", None),
            ]
        assert (doc.entity, doc.title) == ("Claude.ai", "Developer Terms")
        assert found == [doc.pk] * 3

    def test_find_document_refuses_an_ambiguous_or_unknown_name(
        self, engine: sa.Engine, settings: Settings
    ) -> None:
        """A part naming several documents is a usage error; one naming none is not found."""
        assert ingest(engine, [MANIFEST], settings).failed == []
        with engine.connect() as conn:
            with pytest.raises(UsageError, match="names several documents"):
                queries.find_document(conn, "terms")
            with pytest.raises(NotFoundError):
                queries.find_document(conn, "no such policy")

    def test_versions_previous_and_next_follow_capture_order(
        self, engine: sa.Engine, settings: Settings, tmp_path: Path
    ) -> None:
        """Versions are listed first to latest; previous/next step along that order."""
        text = DEV_TERMS.read_text("utf-8")
        pks = [
            ingest_text(engine, settings, tmp_path, text + "\n\nEdit." * i, DAY_1 + timedelta(i))[0]
            for i in (2, 0, 1)
        ]
        with engine.connect() as conn:
            doc_pk = queries.version_by_pk(conn, pks[0]).document_pk
            ordered = [v.pk for v in queries.versions_of(conn, doc_pk)]
            first, middle, last = ordered
            steps = (
                queries.previous_version(conn, first),
                getattr(queries.previous_version(conn, middle), "pk", None),
                getattr(queries.next_version(conn, middle), "pk", None),
                queries.next_version(conn, last),
            )
        assert ordered == [pks[1], pks[2], pks[0]]
        assert steps == (None, first, last, None)

    def test_version_in_force_is_the_latest_captured_by_then(
        self, engine: sa.Engine, settings: Settings, tmp_path: Path
    ) -> None:
        """Between two captures the earlier version is in force; before both, none is."""
        text = DEV_TERMS.read_text("utf-8")
        [first] = ingest_text(engine, settings, tmp_path, text, DAY_1)
        [second] = ingest_text(engine, settings, tmp_path, text + "\n\nEdit.", DAY_1 + timedelta(9))
        with engine.connect() as conn:
            doc_pk = queries.version_by_pk(conn, first).document_pk
            found = [
                queries.version_in_force(conn, doc_pk, DAY_1 + timedelta(days=d)) for d in (-1, 3)
            ]
            after = queries.first_version_after(conn, doc_pk, DAY_1 + timedelta(days=3))
        assert found[0] is None
        assert (getattr(found[1], "pk", None), getattr(after, "pk", None)) == (first, second)

    def test_an_unchanged_capture_moves_the_latest_capture_not_the_latest_version(
        self, engine: sa.Engine, settings: Settings, tmp_path: Path
    ) -> None:
        """A later capture with the same text is the latest capture of the same version."""
        text = DEV_TERMS.read_text("utf-8")
        [version] = ingest_text(engine, settings, tmp_path, text, DAY_1)
        ingest_text(engine, settings, tmp_path, text, DAY_1 + timedelta(days=3))
        with engine.connect() as conn:
            doc_pk = queries.version_by_pk(conn, version).document_pk
            capture = queries.latest_capture(conn, doc_pk)
            latest = queries.latest_version(conn, doc_pk)
        assert capture is not None
        assert latest is not None
        assert (capture.captured_at, capture.version_pk) == (DAY_1 + timedelta(days=3), version)
        assert latest.pk == version

    def test_records_are_frozen_and_closed(self, engine: sa.Engine, dev_terms: list[Any]) -> None:
        """A returned record cannot be changed, and unknown fields are refused."""
        with engine.connect() as conn:
            doc = queries.find_document(conn, "developer terms")
        with pytest.raises(ValidationError):
            doc.title = "Other"  # type: ignore[misc]
        with pytest.raises(ValidationError):
            Document.model_validate({**doc.model_dump(), "extra": 1})

    def test_provisions_by_id_finds_the_known_ones(
        self, engine: sa.Engine, dev_terms: list[Any]
    ) -> None:
        """Provisions come back by their public id; an unknown id is left out."""
        with engine.connect() as conn:
            ids = conn.execute(
                sa.select(t.provisions.c.provision_id).order_by(t.provisions.c.id)
            ).scalars()
            wanted = list(ids)[:2]
            found = queries.provisions_by_id(conn, [*wanted, "CL-P-unknown"])
        assert sorted(found) == sorted(wanted)
        assert {p.first_version_pk for p in found.values()} == {dev_terms[0].version_pk}


class TestStandingAnalysis:
    def test_an_analysts_edit_stands_with_its_severity(
        self, engine: sa.Engine, dev_terms: list[Any]
    ) -> None:
        """After an edit, the analysis as it stands is the edit, and its severity the edit's."""
        clause = dev_terms[3]
        pk = analyse(engine, clause, "claude", severity="low")
        review.edit(engine, pk, "ana", {"severity": "high"})
        with engine.connect() as conn:
            found = queries.standing_analysis(conn, clause.clause_sha256)
            row = conn.execute(sa.select(t.analyses).where(t.analyses.c.id == pk)).one()
            column = conn.execute(
                sa.select(queries.standing_severity()).where(t.analyses.c.id == pk)
            ).scalar_one()
        assert found is not None
        assert found.edited
        assert (found.severity, column, queries.standing_data(row)["severity"]) == ("high",) * 3
        assert found.analysis() is not None

    def test_claude_stands_over_offline(self, engine: sa.Engine, dev_terms: list[Any]) -> None:
        """With a Claude and a newer offline analysis of a text, Claude's stands."""
        clause = dev_terms[3]
        claude = analyse(engine, clause, "claude")
        analyse(engine, clause, "offline", at=DAY_1 + timedelta(days=1))
        with engine.connect() as conn:
            found = queries.standing_analysis(conn, clause.clause_sha256)
        assert found is not None
        assert (found.pk, found.analyzer) == (claude, "claude")

    def test_an_edited_offline_analysis_stands_over_an_unedited_claude_one(
        self, engine: sa.Engine, dev_terms: list[Any]
    ) -> None:
        """An analyst's edit outranks the analyzer order."""
        clause = dev_terms[3]
        analyse(engine, clause, "claude")
        offline = analyse(engine, clause, "offline")
        review.edit(engine, offline, "ana", {"severity": "high"})
        with engine.connect() as conn:
            found = queries.standing_analysis(conn, clause.clause_sha256)
        assert found is not None
        assert found.pk == offline

    def test_the_newest_stands_between_analyses_of_one_analyzer(
        self, engine: sa.Engine, dev_terms: list[Any]
    ) -> None:
        """Two Claude analyses (two models): the newer stands."""
        clause = dev_terms[3]
        analyse(engine, clause, "claude", model="claude-haiku-4-5")
        newer = analyse(engine, clause, "claude", at=DAY_1 + timedelta(hours=1))
        with engine.connect() as conn:
            found = queries.standing_analysis(conn, clause.clause_sha256)
        assert found is not None
        assert found.pk == newer

    def test_a_rejected_or_failed_analysis_does_not_stand(
        self, engine: sa.Engine, dev_terms: list[Any]
    ) -> None:
        """A rejected Claude analysis gives way to offline; a failed one never stands."""
        rejected, failed = dev_terms[3], dev_terms[4]
        pk = analyse(engine, rejected, "claude")
        review.reject(engine, pk, "ana", "misreads the clause")
        offline = analyse(engine, rejected, "offline")
        analyse(engine, failed, "claude", status="failed")
        with engine.connect() as conn:
            found = queries.standing_analyses(conn, [rejected.clause_sha256, failed.clause_sha256])
        assert {sha: a.pk for sha, a in found.items()} == {rejected.clause_sha256: offline}

    def test_many_texts_at_once_agree_with_one_at_a_time(
        self, engine: sa.Engine, dev_terms: list[Any]
    ) -> None:
        """``standing_analyses`` picks, for each text, what ``standing_analysis`` picks."""
        for n, clause in enumerate(dev_terms[1:6]):
            analyse(engine, clause, "offline", at=DAY_1 + timedelta(hours=n))
            if n % 2:
                edited = analyse(engine, clause, "claude", model="claude-haiku-4-5")
                review.edit(engine, edited, "ana", {"severity": "low"})
            analyse(engine, clause, "claude", at=DAY_1 - timedelta(hours=n))
        shas = [c.clause_sha256 for c in dev_terms]
        with engine.connect() as conn:
            many = queries.standing_analyses(conn, shas)
            one = {sha: queries.standing_analysis(conn, sha) for sha in shas}
        assert many == {sha: found for sha, found in one.items() if found is not None}
        assert sum(a.edited for a in many.values()) == 2

    def test_the_python_key_orders_rows_as_the_sql_order_does(
        self, engine: sa.Engine, dev_terms: list[Any]
    ) -> None:
        """``standing_key`` over fetched rows gives the order ``standing_order`` gives in SQL."""
        clause = dev_terms[3]
        analyse(engine, clause, "offline", at=DAY_1 + timedelta(days=2))
        analyse(engine, clause, "claude", model="claude-haiku-4-5")
        analyse(engine, clause, "claude", at=DAY_1 + timedelta(days=1))
        edited = analyse(engine, clause, "offline", model="offline-claudette-0")
        review.edit(engine, edited, "ana", {"severity": "high"})
        a = t.analyses
        with engine.connect() as conn:
            rows = conn.execute(sa.select(a).order_by(a.c.id)).all()
            in_sql = conn.execute(sa.select(a.c.id).order_by(*queries.standing_order())).scalars()
            sql_order = list(in_sql)
        assert [r.id for r in sorted(rows, key=queries.standing_key)] == sql_order
        assert sql_order[0] == edited


class TestStagesUseTheStandingAnalysis:
    def test_an_edit_of_severity_changes_how_changes_ranks_a_provision(
        self, engine: sa.Engine, settings: Settings, tmp_path: Path, dev_terms: list[Any]
    ) -> None:
        """Two sections removed: the one an analyst raised from low to high ranks first."""
        raised, other = dev_terms[3], dev_terms[5]
        pk = analyse(engine, raised, "claude", severity="low")
        analyse(engine, other, "claude", severity="medium")
        review.edit(engine, pk, "ana", {"severity": "high"})
        text = without(DEV_TERMS.read_text("utf-8"), raised, other)
        [version] = ingest_text(engine, settings, tmp_path, text, DAY_1 + timedelta(days=1))
        with engine.connect() as conn:
            events = changes.version_changes(conn, version)
        assert [(e.change_class, e.old_clause_pk, e.severity) for e in events] == [
            ("removed", raised.id, "high"),
            ("removed", other.id, "medium"),
        ]

    def test_export_shows_an_edited_offline_analysis_over_an_unedited_claude_one(
        self, engine: sa.Engine, dev_terms: list[Any]
    ) -> None:
        """The record of a provision shows the analysis that stands, an analyst's edit first."""
        clause = dev_terms[3]
        analyse(engine, clause, "claude", severity="low")
        offline = analyse(engine, clause, "offline", severity="low")
        review.edit(engine, offline, "ana", {"severity": "high"})
        records = list(iter_records(engine, cross_platform=False))
        [record] = [r for r in records if r.clause_index == clause.idx]
        assert (record.provenance.analyzer, record.severity) == ("offline", "high")
        assert record.review.edited


class TestFindDocumentByPrefixAndWords:
    def test_ids_match_by_prefix_and_names_by_word(
        self, engine: sa.Engine, settings: Settings
    ) -> None:
        """ "claude dev" names Claude.ai/Developer Terms by words; an id prefix finds its
        document; "de", a part of some ids and of "Developer", names none of them."""
        assert ingest(engine, [MANIFEST], settings).failed == []
        with engine.connect() as conn:
            doc = queries.find_document(conn, "Claude.ai/Developer Terms")
            assert queries.find_document(conn, "claude dev").pk == doc.pk
            assert queries.find_document(conn, doc.document_id[:9]).pk == doc.pk
            with pytest.raises((NotFoundError, UsageError)) as caught:
                queries.find_document(conn, "eloper")
            assert isinstance(caught.value, NotFoundError)
