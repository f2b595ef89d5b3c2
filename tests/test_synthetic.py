"""Synthetic answers never pass for Claude's: an answer from clauselens' fake API server (it sends
``x-clauselens-fake``) is stored as synthetic, labelled for the analyst, left out of exports and
cost, ranked below the offline analyzer and kept out of the estimate.

The analyses saved by ``save`` below are fixtures written by the project for these tests (not
model output): schema-valid, quoting the real clause text of ``fixtures/ota`` verbatim.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import anthropic
import httpx2
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from clauselens.analyzers.base import ClauseInput
from clauselens.analyzers.claude import ClaudeAnalyzer
from clauselens.analyzers.offline import OfflineAnalyzer
from clauselens.cli import main
from clauselens.config import Settings
from clauselens.export import ExportStats, iter_records
from clauselens.pipeline.analyze.persist import save_result
from clauselens.pipeline.analyze.work import document_context_for
from clauselens.pipeline.ingest.captures import ingest
from clauselens.pipeline.runs import batches
from clauselens.pipeline.runs.estimate import DEFAULT_OUTPUT_TOKENS, dry_run
from clauselens.pipeline.runs.records import list_runs, start_run
from clauselens.pipeline.runs.run import RunOptions, run
from clauselens.pipeline.versions.change_analysis import analyze_changes
from clauselens.review import decisions as review
from clauselens.review.queue import get_item
from clauselens.schemas import AnalysisResult, Provenance, Usage
from clauselens.schemas.stored import SYNTHETIC_HEADER, SYNTHETIC_MARKER
from clauselens.store import queries
from clauselens.store import tables as t
from clauselens.store.migrations import apply_migrations
from clauselens.store.queries.pending import AnalyzerKey, done_keys, synthetic_done
from clauselens.testing.fake_api import FakeApi
from tests.support.analyses import written_analysis
from tests.support.paths import FIXTURES

DEV_TERMS = FIXTURES / "ota/current/claude-ai/developer-terms.md"
HISTORY = FIXTURES / "ota/history/chatgpt/terms-of-service"
CHATGPT_V0 = next(HISTORY.glob("v0_*.md"))
OLD = "You can stop using our Services and end your relationship with OpenAI at any time"
NEW = "You can stop using our Services at any time, subject to a 30 day notice period"
META = {"entity": "Anthropic", "title": "Developer Terms", "terms_type": "Developer Terms"}
DAY_1 = datetime(2026, 1, 1, tzinfo=UTC)
MODEL = "claude-sonnet-5-5"


# --- helpers -----------------------------------------------------------------------------------


def clauses(engine: sa.Engine, settings: Settings, tmp_path: Path) -> list[Any]:
    """Developer Terms ingested once; its clauses with text to analyse, in order."""
    path = tmp_path / "developer-terms.md"
    path.write_text(DEV_TERMS.read_text("utf-8"), "utf-8")
    report = ingest(engine, [path], settings, {**META, "captured_at": DAY_1})
    c = t.clauses.c
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(t.clauses).where(c.version_pk == report.versions[0]).order_by(c.idx)
        )
        return [r for r in rows if len(r.text.splitlines()) > 1]


def save(
    engine: sa.Engine,
    clause: Any,
    analyzer: str,
    *,
    synthetic: bool = False,
    at: datetime = DAY_1,
    output_tokens: int = 0,
    cost: float = 0.0,
    run_id: str | None = None,
    summary: str = "Sets conditions developers accept to list software in the directory.",
) -> int:
    """Save a hand-written, schema-valid analysis of ``clause``; its row id."""
    result = AnalysisResult(
        clause_sha256=clause.clause_sha256,
        status="valid",
        analysis=written_analysis(clause.text, summary=summary),
        provenance=Provenance(
            analyzer=analyzer,
            model=MODEL if analyzer == "claude" else "offline-claudette-1",
            prompt_id="clause-analysis",
            prompt_version="test0001",
            generated_at=at,
            usage=Usage(output_tokens=output_tokens),
            cost_usd=cost,
            synthetic=synthetic,
        ),
    )
    with engine.begin() as conn:
        return save_result(conn, result, clause_pk=clause.id, run_id=run_id)


def edited_terms(engine: sa.Engine, settings: Settings, tmp_path: Path) -> tuple[int, Any]:
    """Real ChatGPT terms, then a copy with one sentence edited: the second version's pk and
    its ``modified`` change row."""
    text = CHATGPT_V0.read_text("utf-8")
    versions = []
    for n, body in enumerate([text, text.replace(OLD, NEW)]):
        path = tmp_path / f"chatgpt-v{n}.md"
        path.write_text(body, "utf-8")
        options = {**META, "entity": "ChatGPT", "captured_at": DAY_1 + timedelta(days=n)}
        versions += ingest(engine, [path], settings, options).new_versions
    ch = t.changes.c
    with engine.connect() as conn:
        change = conn.execute(
            sa.select(t.changes).where(
                ch.to_version_pk == versions[1], ch.change_class == "modified"
            )
        ).one()
    return versions[1], change


def set_change_analysis(engine: sa.Engine, change_pk: int, *, synthetic: bool) -> None:
    """Store a hand-written Claude change analysis on a change row (a test fixture)."""
    detail = {"consumer_impact": "Users must now give 30 days notice.", "severity": "high"}
    provenance = {"analyzer": "claude", "model": MODEL, "synthetic": synthetic}
    with engine.begin() as conn:
        conn.execute(
            t.changes.update()
            .where(t.changes.c.id == change_pk)
            .values(
                analyzer="claude",
                severity="high",
                change_analysis=detail,
                change_provenance=provenance,
            )
        )


def analyse_changes_offline(engine: sa.Engine, version_pk: int) -> int:
    with engine.connect() as conn:
        document = document_context_for(conn, version_pk)
    report = asyncio.run(analyze_changes(engine, OfflineAnalyzer(), version_pk, document=document))
    return report.analysed


def standing_pk(engine: sa.Engine, clause: Any) -> int | None:
    with engine.connect() as conn:
        found = queries.standing_analysis(conn, clause.clause_sha256)
    return found.pk if found is not None else None


def flag_codes(engine: sa.Engine, pk: int) -> set[str]:
    f = t.flags.c
    with engine.connect() as conn:
        return set(conn.execute(sa.select(f.code).where(f.analysis_pk == pk)).scalars())


class _WithoutFakeHeader(httpx2.AsyncBaseTransport):
    """Forwards to the fake server and drops its header: a server that is not the fake."""

    def __init__(self) -> None:
        self._inner = httpx2.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        response = await self._inner.handle_async_request(request)
        del response.headers[SYNTHETIC_HEADER]
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


@pytest.fixture
def dev_clauses(engine: sa.Engine, settings: Settings, tmp_path: Path) -> list[Any]:
    return clauses(engine, settings, tmp_path)


@pytest.fixture
async def analyzer(claude_settings: Settings) -> AsyncIterator[ClaudeAnalyzer]:
    claude = ClaudeAnalyzer(claude_settings)
    yield claude
    await claude.aclose()


# --- provenance --------------------------------------------------------------------------------


class TestProvenance:
    async def test_an_answer_from_the_fake_server_is_synthetic(
        self, analyzer: ClaudeAnalyzer, fake_api: FakeApi, high_risk_clause: ClauseInput
    ) -> None:
        """The fake's header on the reply marks the analysis synthetic."""
        result = await analyzer.analyze(high_risk_clause)
        assert result.status == "valid"
        assert result.provenance.synthetic

    async def test_an_answer_without_the_header_is_not_synthetic(
        self, claude_settings: Settings, fake_api: FakeApi, high_risk_clause: ClauseInput
    ) -> None:
        """The mark comes from the header alone: the same answer without it is not marked."""
        client = anthropic.AsyncAnthropic(
            max_retries=0,
            base_url=claude_settings.base_url,
            http_client=httpx2.AsyncClient(transport=_WithoutFakeHeader()),
        )
        claude = ClaudeAnalyzer(claude_settings, client=client)
        try:
            result = await claude.analyze(high_risk_clause)
        finally:
            await claude.aclose()
        assert result.status == "valid"
        assert not result.provenance.synthetic

    def test_a_run_against_the_fake_stores_every_analysis_as_synthetic(
        self, engine: sa.Engine, claude_settings: Settings, fake_api: FakeApi
    ) -> None:
        """The store's ``synthetic`` column says so, so SQL can leave them out."""
        run(engine, [DEV_TERMS], claude_settings, RunOptions(), ingest_options=META)
        a = t.analyses.c
        with engine.connect() as conn:
            marks = conn.execute(sa.select(a.synthetic, a.provenance)).all()
        assert marks
        assert all(column and provenance["synthetic"] for column, provenance in marks)

    def test_batch_results_from_the_fake_are_synthetic(
        self,
        engine: sa.Engine,
        claude_settings: Settings,
        fake_api: FakeApi,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """Answers collected from a Message Batch are marked from the results' header."""
        monkeypatch.setattr(batches, "POLL_INTERVAL", 0.01)
        options = RunOptions(analyzer="claude", via="batches")
        summary = run(engine, [DEV_TERMS], claude_settings, options, ingest_options=META)
        batches.resume_run(engine, summary.run_id, claude_settings)
        a = t.analyses.c
        with engine.connect() as conn:
            provenances = conn.execute(sa.select(a.provenance)).scalars().all()
        from_batch = [p for p in provenances if "/" in (p["request_id"] or "")]
        assert from_batch
        assert all(p["synthetic"] for p in from_batch)

    def test_the_migration_marks_fake_answers_stored_before_the_header_was_read(
        self, engine: sa.Engine, dev_clauses: list[Any]
    ) -> None:
        """An older store's fake answers (their text says SYNTHETIC) are marked on upgrade."""
        fake = save(engine, dev_clauses[0], "claude", summary=f"{SYNTHETIC_MARKER}, not a model.")
        real = save(engine, dev_clauses[1], "claude")
        m = t.metadata.tables["analyses"]
        with engine.begin() as conn:
            conn.execute(sa.text("DELETE FROM _migrations WHERE name LIKE 'm0007%'"))
        assert apply_migrations(engine) == ["m0007_analyses_synthetic"]
        with engine.connect() as conn:
            marked = dict(conn.execute(sa.select(m.c.id, m.c.synthetic)).all())
        assert (marked[fake], marked[real]) == (True, False)


# --- standing, flags, review ---------------------------------------------------------------------


class TestStanding:
    def test_offline_stands_over_a_synthetic_claude_analysis(
        self, engine: sa.Engine, dev_clauses: list[Any]
    ) -> None:
        """A synthetic answer, even newer, never outranks the offline analyzer."""
        clause = dev_clauses[0]
        offline = save(engine, clause, "offline")
        save(engine, clause, "claude", synthetic=True, at=DAY_1 + timedelta(days=1))
        assert standing_pk(engine, clause) == offline

    def test_an_edited_synthetic_analysis_stands_over_offline(
        self, engine: sa.Engine, dev_clauses: list[Any]
    ) -> None:
        """An analyst's edit makes the analysis the analyst's: it stands first."""
        clause = dev_clauses[0]
        save(engine, clause, "offline")
        synthetic = save(engine, clause, "claude", synthetic=True)
        review.edit(engine, synthetic, "ana", {"severity": "high"})
        assert standing_pk(engine, clause) == synthetic

    def test_the_python_key_ranks_synthetic_as_the_sql_order_does(
        self, engine: sa.Engine, dev_clauses: list[Any]
    ) -> None:
        """``standing_key`` and ``standing_order`` agree with synthetic analyses among others."""
        clause = dev_clauses[0]
        save(engine, clause, "claude", synthetic=True, at=DAY_1 + timedelta(days=2))
        save(engine, clause, "offline")
        a = t.analyses
        with engine.connect() as conn:
            rows = conn.execute(sa.select(a).order_by(a.c.id)).all()
            sql_order = list(
                conn.execute(sa.select(a.c.id).order_by(*queries.standing_order())).scalars()
            )
        assert [r.id for r in sorted(rows, key=queries.standing_key)] == sql_order
        assert [r.analyzer for r in rows if r.id == sql_order[0]] == ["offline"]


class TestRealAnswersReplaceSynthetic:
    def test_a_run_against_the_real_api_does_not_count_synthetic_answers_as_done(
        self, engine: sa.Engine, dev_clauses: list[Any]
    ) -> None:
        """Only a run sent to a server of the user's choosing (the fake again) skips them."""
        clause = dev_clauses[0]
        save(engine, clause, "claude", synthetic=True)
        key = AnalyzerKey("claude", MODEL, "test0001")
        with engine.connect() as conn:
            to_the_fake = done_keys(conn, key, synthetic=synthetic_done("http://127.0.0.1:8765"))
            to_the_api = done_keys(conn, key, synthetic=synthetic_done(None))
        assert clause.clause_sha256 in to_the_fake
        assert clause.clause_sha256 not in to_the_api

    def test_a_real_answer_takes_the_place_of_a_synthetic_one_and_awaits_review(
        self, engine: sa.Engine, dev_clauses: list[Any]
    ) -> None:
        """Same key, same row: the real answer replaces the fake's, and the analyst's approval
        of the fake's answer no longer stands."""
        clause = dev_clauses[0]
        fake = save(engine, clause, "claude", synthetic=True, summary="The fake's summary.")
        review.approve(engine, fake, "ana", "looked fine")
        real = save(engine, clause, "claude", summary="The real summary.")
        a = t.analyses.c
        with engine.connect() as conn:
            row = conn.execute(sa.select(t.analyses).where(a.id == real)).one()
        assert real == fake
        assert row.synthetic is False
        assert row.provenance["synthetic"] is False
        assert row.analysis["summary"] == "The real summary."
        assert row.review_status == "pending"
        assert row.reviewed_by is None

    def test_a_synthetic_answer_never_replaces_a_real_one(
        self, engine: sa.Engine, dev_clauses: list[Any]
    ) -> None:
        """The first valid real answer wins, as for any valid analysis."""
        clause = dev_clauses[0]
        real = save(engine, clause, "claude", summary="The real summary.")
        save(engine, clause, "claude", synthetic=True, summary="The fake's summary.")
        with engine.connect() as conn:
            row = conn.execute(sa.select(t.analyses).where(t.analyses.c.id == real)).one()
        assert row.synthetic is False
        assert row.analysis["summary"] == "The real summary."


class TestChangeAnalyses:
    def test_offline_replaces_a_synthetic_claude_change_analysis(
        self, engine: sa.Engine, settings: Settings, tmp_path: Path
    ) -> None:
        version_pk, change = edited_terms(engine, settings, tmp_path)
        set_change_analysis(engine, change.id, synthetic=True)
        assert analyse_changes_offline(engine, version_pk) == 1

    def test_claude_does_not_redo_its_own_synthetic_change_analysis(
        self,
        engine: sa.Engine,
        settings: Settings,
        claude_settings: Settings,
        fake_api: FakeApi,
        tmp_path: Path,
    ) -> None:
        """Rerunning against the fake stays free: a synthetic answer is done for Claude."""
        version_pk, change = edited_terms(engine, settings, tmp_path)
        set_change_analysis(engine, change.id, synthetic=True)

        async def analyse() -> int:
            claude = ClaudeAnalyzer(claude_settings)
            try:
                with engine.connect() as conn:
                    document = document_context_for(conn, version_pk)
                report = await analyze_changes(engine, claude, version_pk, document=document)
            finally:
                await claude.aclose()
            return report.analysed

        assert asyncio.run(analyse()) == 0
        assert fake_api.message_bodies() == []

    def test_offline_never_replaces_a_claude_change_analysis(
        self, engine: sa.Engine, settings: Settings, tmp_path: Path
    ) -> None:
        version_pk, change = edited_terms(engine, settings, tmp_path)
        set_change_analysis(engine, change.id, synthetic=False)
        assert analyse_changes_offline(engine, version_pk) == 0

    def test_export_shows_no_severity_or_impact_from_a_synthetic_change_analysis(
        self, engine: sa.Engine, settings: Settings, tmp_path: Path
    ) -> None:
        """The change is listed (it happened); what the fake said about it is not."""
        _, change = edited_terms(engine, settings, tmp_path)
        set_change_analysis(engine, change.id, synthetic=True)
        with engine.connect() as conn:
            clause = conn.execute(
                sa.select(t.clauses).where(t.clauses.c.id == change.new_clause_pk)
            ).one()
        save(engine, clause, "offline")
        records = list(iter_records(engine, cross_platform=False))
        [record] = [r for r in records if r.clause_index == clause.idx and r.entity == "ChatGPT"]
        [recent] = [c for c in record.recent_changes if c.change_class == "modified"]
        assert (recent.severity, recent.impact) == (None, None)


class TestLabels:
    def test_a_synthetic_analysis_is_flagged_synthetic_answer(
        self, engine: sa.Engine, dev_clauses: list[Any]
    ) -> None:
        pk = save(engine, dev_clauses[0], "claude", synthetic=True)
        assert "synthetic_answer" in flag_codes(engine, pk)

    def test_a_claude_analysis_is_not_flagged_synthetic_answer(
        self, engine: sa.Engine, dev_clauses: list[Any]
    ) -> None:
        pk = save(engine, dev_clauses[0], "claude")
        assert "synthetic_answer" not in flag_codes(engine, pk)

    def test_the_review_item_carries_the_synthetic_flag_first(
        self, engine: sa.Engine, dev_clauses: list[Any]
    ) -> None:
        """The review page and ``review show`` list flags most urgent first: this one leads."""
        pk = save(engine, dev_clauses[0], "claude", synthetic=True)
        got = get_item(engine, pk)
        assert got.item.flags[0].code == "synthetic_answer"

    def test_review_show_says_synthetic(
        self, engine: sa.Engine, db_url: str, dev_clauses: list[Any]
    ) -> None:
        pk = save(engine, dev_clauses[0], "claude", synthetic=True)
        result = CliRunner().invoke(main, ["--db", db_url, "review", "show", str(pk)])
        assert result.exit_code == 0, result.output
        assert "SYNTHETIC (fake API server, not Claude)" in result.output


# --- export, cost, estimate ----------------------------------------------------------------------


class TestNeverPassesForClaude:
    def test_export_shows_offline_not_a_synthetic_claude_analysis(
        self, engine: sa.Engine, dev_clauses: list[Any]
    ) -> None:
        clause = dev_clauses[0]
        save(engine, clause, "offline")
        save(engine, clause, "claude", synthetic=True)
        records = list(iter_records(engine, cross_platform=False))
        [record] = [r for r in records if r.clause_index == clause.idx]
        assert (record.provenance.analyzer, record.provenance.other_analyzers) == ("offline", [])

    def test_export_leaves_out_a_synthetic_analysis_even_edited(
        self, engine: sa.Engine, dev_clauses: list[Any]
    ) -> None:
        """A provision whose only analysis is synthetic is left out, and the stats say why."""
        clause = dev_clauses[0]
        pk = save(engine, clause, "claude", synthetic=True)
        review.edit(engine, pk, "ana", {"severity": "high"})
        stats = ExportStats()
        records = list(iter_records(engine, stats=stats, cross_platform=False))
        assert [r for r in records if r.clause_index == clause.idx] == []
        assert stats.synthetic == 1

    def test_run_cost_leaves_out_synthetic_analyses_and_counts_them(
        self, engine: sa.Engine, dev_clauses: list[Any]
    ) -> None:
        """A run's cost is Claude spend only; its synthetic analyses are counted apart."""
        run_id = start_run(
            engine,
            analyzer="claude",
            model=MODEL,
            prompt_version="test0001",
            via="messages",
            options={},
            paths=[],
        )
        save(engine, dev_clauses[0], "claude", cost=0.25, run_id=run_id)
        save(engine, dev_clauses[1], "claude", synthetic=True, cost=4.0, run_id=run_id)
        (record,) = list_runs(engine)
        assert record.cost_usd == pytest.approx(0.25)
        assert record.counts["synthetic"] == 1

    def test_run_and_runs_say_synthetic_for_a_run_against_the_fake(
        self, db_url: str, claude_settings: Settings, fake_api: FakeApi
    ) -> None:
        """The run summary and ``clauselens runs`` show the synthetic count and no spend."""
        runner = CliRunner()
        env = {"ANTHROPIC_BASE_URL": fake_api.base_url}
        args = ["--db", db_url, "run", str(DEV_TERMS), "--analyzer", "claude"]
        ran = runner.invoke(main, [*args, "--entity", "A", "--title", "B"], env=env)
        assert ran.exit_code == 0, ran.output
        assert "answered by clauselens' fake API server" in ran.output
        listed = runner.invoke(main, ["--db", db_url, "runs", "--json"])
        (record,) = json.loads(listed.output)
        assert record["counts"]["synthetic"] == record["counts"]["analysed"] > 0
        assert record["cost_usd"] == 0
        table = runner.invoke(main, ["--db", db_url, "runs"])
        assert "synthetic" in table.output

    def test_the_estimate_ignores_synthetic_output_tokens(
        self, engine: sa.Engine, settings: Settings, dev_clauses: list[Any]
    ) -> None:
        """Mean output tokens come from Claude's analyses only, never the fake's."""
        save(engine, dev_clauses[0], "claude", synthetic=True, output_tokens=50_000)
        path = HISTORY / sorted(p.name for p in HISTORY.glob("v*.md"))[0]
        report = dry_run(engine, [path], settings, [MODEL])
        direct = next(e for e in report.estimates if e.mode == "direct")
        assert direct.usage.output_tokens == direct.calls * DEFAULT_OUTPUT_TOKENS
