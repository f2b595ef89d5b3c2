"""Export records over a real store: which analysis a record shows, review states, filters,
schema validity, FAQ and citation.

The store is built from ``fixtures/ota`` by ``ingest``; the analyses are fixtures written by the
project for these tests (not model output): schema-valid, quoting the real clause text verbatim.
The helpers here are shared with ``test_export_formats.py``.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import sqlalchemy as sa

from clauselens.config import load_settings
from clauselens.errors import UsageError
from clauselens.export import ExportStats, export_json_schema, iter_records
from clauselens.pipeline.analyze.persist import save_result
from clauselens.pipeline.ingest.captures import ingest
from clauselens.review import decisions as review
from clauselens.schemas import AnalysisResult, ClauseAnalysis, Provenance
from clauselens.schemas.validate import validate_analysis
from clauselens.store import open_store
from clauselens.store import tables as t

pytestmark = pytest.mark.stores  # SQLite and PostgreSQL (tests/conftest.py)

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / "fixtures" / "ota" / "manifest.jsonl"
AT = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)
DEV_TERMS = "Developer Terms"


def ingest_fixtures(url: str) -> sa.Engine:
    engine = open_store(url)
    report = ingest(engine, [MANIFEST], load_settings({"db_url": url}))
    assert not report.failed
    return engine


def quote_of(text: str) -> str:
    """A verbatim passage of the clause: its longest line."""
    return max(text.splitlines(), key=len).strip()


def fixture_analysis(text: str, *, severity: str = "medium", summary: str = "") -> ClauseAnalysis:
    """A hand-written, schema-valid analysis whose evidence quote is taken from ``text``."""
    data: dict[str, Any] = {
        "title": "Directory listing conditions for developers",
        "summary": summary or "Sets conditions developers accept to list software in a directory.",
        "why_it_matters": "Developers take on obligations and the platform keeps wide discretion.",
        "consumer_impact": "Users get software reviewed against safety and privacy requirements.",
        "institutional_analysis": {
            "regulatory_landscape": "FTC Act s.5 (unfair or deceptive practices); EU DSA.",
            "governance_exposure": {
                "level": "medium",
                "rationale": "Obligations fall on developers; enforcement is discretionary.",
            },
            "jurisdiction_flags": [
                {"jurisdiction": "EU", "note": "Platform-to-business fairness rules apply."}
            ],
            "contract_and_vendor_implications": "Vendors must review the listing terms.",
            "compliance_considerations": "Keep records of the safety review of listed software.",
        },
        "applicable_agencies": [
            {
                "name": "Federal Trade Commission",
                "jurisdiction": "US",
                "authority": "FTC Act s.5 over unfair or deceptive practices",
            }
        ],
        "severity": severity,
        "confidence": "medium",
        "confidence_rationale": "The clause text is explicit and complete.",
        "evidence_type": "explicit_language",
        "evidence_quotes": [quote_of(text)],
        "categories": ["user_conduct"],
        "truncation_note": None,
    }
    return validate_analysis(data, text, truncated=False)


def add_analysis(
    conn: sa.Connection,
    clause: Any,
    analyzer: str,
    *,
    status: str = "valid",
    severity: str = "medium",
    summary: str = "",
) -> int:
    model = "claude-sonnet-5-5" if analyzer == "claude" else "offline-claudette-1"
    result = AnalysisResult(
        clause_sha256=clause.clause_sha256,
        status=status,
        analysis=fixture_analysis(clause.text, severity=severity, summary=summary)
        if status == "valid"
        else None,
        error=None if status == "valid" else "schema_invalid after 3 attempts",
        provenance=Provenance(
            analyzer=analyzer,
            model=model,
            prompt_id="clause-analysis",
            prompt_version="test0001",
            generated_at=AT,
        ),
    )
    return save_result(conn, result, clause_pk=clause.id)


def latest_clauses(conn: sa.Connection, title: str) -> list[Any]:
    """The clauses of the latest version of the document titled ``title`` (first one found)."""
    d, v, c = t.documents, t.versions, t.clauses
    version = conn.execute(
        sa.select(v.c.id)
        .join(d, d.c.id == v.c.document_pk)
        .where(d.c.title == title)
        .order_by(v.c.captured_at.desc())
        .limit(1)
    ).scalar_one()
    return list(conn.execute(sa.select(c).where(c.c.version_pk == version).order_by(c.c.idx)))


@pytest.fixture(scope="session")
def ingested_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("export") / "template.db"
    ingest_fixtures(f"sqlite:///{path}").dispose()
    return path


@pytest.fixture
def store(ingested_template: Path, tmp_path: Path) -> dict[str, Any]:
    """Claude.ai Developer Terms with analyses in every state (clauses 1-6), by name."""
    path = tmp_path / "export.db"
    shutil.copy(ingested_template, path)
    engine = open_store(f"sqlite:///{path}")
    with engine.begin() as conn:
        cl = latest_clauses(conn, DEV_TERMS)
        pks = {
            "both_claude": add_analysis(conn, cl[1], "claude", severity="high"),
            "both_offline": add_analysis(conn, cl[1], "offline", severity="low"),
            "offline": add_analysis(conn, cl[2], "offline", severity="low"),
            "edited": add_analysis(conn, cl[3], "claude"),
            "rejected": add_analysis(conn, cl[4], "claude"),
            "failed": add_analysis(conn, cl[5], "claude", status="failed"),
            "approved": add_analysis(conn, cl[6], "claude", severity="high"),
        }
    edited = review.edit(
        engine,
        pks["edited"],
        "ana",
        {"severity": "high", "summary": "An analyst's corrected summary."},
    )
    review.reject(engine, pks["rejected"], "ana", "quotes the wrong clause")
    review.approve(engine, pks["approved"], "ana")
    return {
        "engine": engine,
        "url": f"sqlite:///{path}",
        "pks": pks,
        "clauses": cl,
        "edited_at": edited.at,
    }


def by_clause(records: list[Any]) -> dict[int, Any]:
    return {r.clause_index: r for r in records}


class TestSchema:
    def test_every_record_validates_for_claude_offline_and_reviewed(self, store: Any) -> None:
        """Records of Claude, offline, edited, approved and rejected analyses all validate."""
        validator = jsonschema.Draft202012Validator(export_json_schema())
        records = list(iter_records(store["engine"], status="all"))
        assert {r.provenance.analyzer for r in records} == {"claude", "offline"}
        assert {r.review.status for r in records} == {"pending", "edited", "rejected", "approved"}
        for record in records:
            validator.validate(record.model_dump(mode="json"))

    def test_schema_is_versioned_and_closed(self) -> None:
        """The published schema carries its id and version and forbids unknown fields."""
        schema = export_json_schema()
        assert schema["version"] == "clauselens.export/3"
        assert schema["$id"].endswith(":export:3")
        assert schema["additionalProperties"] is False
        jsonschema.Draft202012Validator.check_schema(schema)


class TestChoice:
    def test_claude_is_preferred_over_offline_and_provenance_says_so(self, store: Any) -> None:
        """With both analyzers, the record shows Claude's and names offline as the other."""
        record = by_clause(list(iter_records(store["engine"])))[1]
        assert record.provenance.analyzer == "claude"
        assert record.provenance.other_analyzers == ["offline"]
        assert record.severity == "high"

    def test_analyzer_filter_restricts_the_choice(self, store: Any) -> None:
        """--analyzer offline shows the offline analysis even where Claude's exists."""
        records = list(iter_records(store["engine"], analyzer="offline"))
        assert sorted(r.clause_index for r in records) == [1, 2]
        assert all(r.provenance.analyzer == "offline" for r in records)

    def test_failed_and_unanalysed_are_left_out_and_counted(self, store: Any) -> None:
        """A failed analysis gives no record; the stats count it and the unanalysed clauses."""
        stats = ExportStats()
        records = list(iter_records(store["engine"], stats=stats, document=DEV_TERMS))
        assert 5 not in by_clause(records)
        assert stats.failed == 1
        assert stats.unanalysed == len(store["clauses"]) - 6
        assert stats.exported == len(records) == 4


class TestReview:
    def test_edited_analysis_exports_the_edit(self, store: Any) -> None:
        """The record shows the analyst's edit, its severity and the reviewer."""
        record = by_clause(list(iter_records(store["engine"])))[3]
        assert record.analysis.summary == "An analyst's corrected summary."
        assert record.severity == "high"
        assert record.review.model_dump() == {
            "status": "edited",
            "reviewer": "ana",
            "reviewed_at": store["edited_at"],
            "edited": True,
        }
        assert record.faq[0].answer == "An analyst's corrected summary."

    def test_rejected_is_excluded_by_default(self, store: Any) -> None:
        """The default export leaves the rejected analysis out and counts it."""
        stats = ExportStats()
        records = list(iter_records(store["engine"], stats=stats))
        assert 4 not in by_clause(records)
        assert stats.rejected == 1

    def test_rejected_is_included_with_status_all_marked_rejected(self, store: Any) -> None:
        """--status all includes it, marked rejected."""
        record = by_clause(list(iter_records(store["engine"], status="all")))[4]
        assert record.review.status == "rejected"

    def test_status_approved_keeps_approved_and_edited(self, store: Any) -> None:
        """approved means an analyst accepted it: approved or edited."""
        records = list(iter_records(store["engine"], status="approved"))
        assert {r.review.status for r in records} == {"approved", "edited"}

    def test_status_reviewed_keeps_every_decision(self, store: Any) -> None:
        """reviewed means any analyst decision, rejections included; pending is left out."""
        records = list(iter_records(store["engine"], status="reviewed"))
        assert {r.review.status for r in records} == {"approved", "edited", "rejected"}


class TestFilters:
    def test_severity_filter_uses_the_shown_analysis(self, store: Any) -> None:
        """--severity high matches the edited severity, not the original one."""
        records = list(iter_records(store["engine"], severity="high"))
        assert sorted(r.clause_index for r in records) == [1, 3, 6]

    def test_entity_and_document_filters(self, store: Any) -> None:
        """Entity matches case-insensitively; a document is a title or a document id."""
        records = list(iter_records(store["engine"], entity="claude.ai", document=DEV_TERMS))
        assert len(records) == 4
        doc_id = records[0].document_id
        assert len(list(iter_records(store["engine"], document=doc_id))) == 4
        assert list(iter_records(store["engine"], entity="ChatGPT")) == []

    def test_since_keeps_recent_records(self, store: Any) -> None:
        """--since after every capture, analysis and review leaves nothing."""
        assert len(list(iter_records(store["engine"], since="2026-08-31"))) == 4
        after_the_reviews = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
        assert list(iter_records(store["engine"], since=after_the_reviews)) == []

    def test_bad_filter_values_are_usage_errors(self, store: Any) -> None:
        """An unknown status or an unparsable date is a UsageError, not a crash."""
        with pytest.raises(UsageError, match="status"):
            list(iter_records(store["engine"], status="fine"))
        with pytest.raises(UsageError, match="since"):
            list(iter_records(store["engine"], since="last week"))

    def test_records_follow_clause_order(self, store: Any) -> None:
        """Within a document, records come in clause order."""
        indexes = [r.clause_index for r in iter_records(store["engine"], status="all")]
        assert indexes == sorted(indexes)


class TestCitationAndFaq:
    def test_citation_names_entity_document_record_capture_hash_and_url(self, store: Any) -> None:
        """One line with everything a reader needs to cite the record."""
        record = by_clause(list(iter_records(store["engine"])))[1]
        line = record.citation
        assert "\n" not in line
        for part in (
            "Claude.ai",
            DEV_TERMS,
            record.record_id,
            "captured 2026-08-14",
            record.provenance.content_sha256[:12],
            record.provenance.source_url or "",
        ):
            assert part in line

    def test_archive_url_is_the_capture_at_its_commit_in_its_repository(self, store: Any) -> None:
        """Open Terms Archive's manifest gives repository, commit and path, not an archive_url:
        the record links to that file at that commit."""
        rows = [json.loads(line) for line in MANIFEST.read_text("utf-8").splitlines() if line]
        [row] = [r for r in rows if (r["service"], r["terms_type"]) == ("Claude.ai", DEV_TERMS)]
        record = by_clause(list(iter_records(store["engine"])))[1]
        assert record.provenance.archive_url == (
            f"https://github.com/OpenTermsArchive/genai-eu-versions/blob/{row['commit']}/"
            "Claude.ai/Developer%20Terms.md"
        )

    def test_faq_answers_from_the_analysis(self, store: Any) -> None:
        """The FAQ says what the clause does, its effect, the agencies and recent changes."""
        record = by_clause(list(iter_records(store["engine"])))[1]
        answers = {q.question: q.answer for q in record.faq}
        assert answers["How does it affect users?"] == record.analysis.consumer_impact
        assert "Federal Trade Commission (US)" in answers["Which agencies are involved?"]
        assert answers["Did it change recently?"].startswith("No change")
        assert record.recent_changes == []

    def test_cross_platform_is_filled_unless_turned_off(self, store: Any) -> None:
        """By default each record says how many other platforms have a similar provision."""
        filled = list(iter_records(store["engine"]))
        assert filled
        for record in filled:
            cross = record.cross_platform
            assert cross is not None
            assert cross.platforms_total >= 1
            assert cross.similar_platforms == len({m.entity for m in cross.similar})
            assert all(m.entity != record.entity for m in cross.similar)
        assert all(
            r.cross_platform is None for r in iter_records(store["engine"], cross_platform=False)
        )

    def test_recent_changes_come_from_the_changes_table(self, published: sa.Engine) -> None:
        """A provision's one recorded change, modified and analysed by the main job, is in its
        record and answers the FAQ's question about changes, with its date, severity and
        impact."""
        ch, p = t.changes.c, t.provisions.c
        once = sa.select(ch.provision_pk).group_by(ch.provision_pk).having(sa.func.count() == 1)
        with published.connect() as conn:
            change = conn.execute(
                sa.select(p.provision_id, ch.at, ch.severity, ch.change_analysis)
                .join(t.provisions, p.id == ch.provision_pk)
                .where(
                    ch.provision_pk.in_(once),
                    ch.change_class == "modified",
                    ch.severity.is_not(None),
                )
                .order_by(ch.id)
                .limit(1)
            ).one()
        (record,) = [r for r in iter_records(published) if r.record_id == change.provision_id]
        assert [c.change_class for c in record.recent_changes] == ["modified"]
        impact = change.change_analysis["consumer_impact"].rstrip(".")
        assert record.faq[-1].answer == (
            f"Yes. On {change.at:%Y-%m-%d} it was modified, severity {change.severity}: {impact}."
        )
