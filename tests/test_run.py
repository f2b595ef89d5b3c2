"""The main job: offline by default, incremental, crash-safe, and robust to API faults."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from clauselens.cli import main
from clauselens.config import Settings
from clauselens.pipeline.analyze.persist import save_result
from clauselens.pipeline.analyze.work import WorkItem
from clauselens.pipeline.ingest.captures import ingest
from clauselens.pipeline.runs.records import list_runs
from clauselens.pipeline.runs.run import Callbacks, RunOptions, run
from clauselens.pipeline.segment.clauses import heading_only
from clauselens.pipeline.versions.changes import analysis_origin
from clauselens.schemas import AnalysisResult, Provenance, Usage
from clauselens.schemas.validate import validate_analysis
from clauselens.store import open_store
from clauselens.store import tables as t
from clauselens.testing.fake_api import FakeApi
from tests.support.analyses import written_analysis
from tests.support.dead_run import dead_run
from tests.support.keys import FAKE_API_KEY
from tests.support.paths import FIXTURES

pytestmark = pytest.mark.stores  # SQLite and PostgreSQL (tests/conftest.py)

AUP = FIXTURES / "ota" / "current" / "claude-ai" / "acceptable-use-policy.md"
DEV_TERMS = FIXTURES / "ota" / "current" / "claude-ai" / "developer-terms.md"
META = {"entity": "Claude.ai", "title": "Usage Policy"}
HISTORY = FIXTURES / "ota" / "history" / "chatgpt" / "terms-of-service"


def analyses(engine: sa.Engine) -> list[sa.Row[tuple[str, str, str]]]:
    a = t.analyses.c
    with engine.connect() as conn:
        return list(conn.execute(sa.select(a.clause_sha256, a.analyzer, a.status)).all())


def clause_texts(engine: sa.Engine) -> dict[str, tuple[str, bool]]:
    """Every clause that has something to analyse (not only heading lines), by hash."""
    c = t.clauses.c
    with engine.connect() as conn:
        return {
            sha: (text, truncated)
            for sha, text, truncated in conn.execute(
                sa.select(c.clause_sha256, c.text, c.truncated)
            )
            if not heading_only(text)
        }


def covered_by_an_analysis(engine: sa.Engine) -> set[str]:
    """Clause hashes whose analysis exists, directly or through the clause it carries over
    from (a cosmetic or moved change keeps the earlier analysis)."""
    c, a = t.clauses.c, t.analyses.c
    with engine.connect() as conn:
        analysed = set(conn.execute(sa.select(a.clause_sha256)).scalars())
        covered = set()
        for pk, sha, text in conn.execute(sa.select(c.id, c.clause_sha256, c.text)).all():
            if heading_only(text):
                continue
            origin = analysis_origin(conn, pk)
            origin_sha = conn.execute(sa.select(c.clause_sha256).where(c.id == origin)).scalar()
            if origin_sha in analysed:
                covered.add(sha)
    return covered


class TestOfflineMainJob:
    def test_readme_main_job_stores_a_valid_analysis_for_every_clause(self, db_url: str) -> None:
        result = CliRunner().invoke(main, ["--db", db_url, "run", str(FIXTURES / "ota")])
        assert result.exit_code == 0, result.output
        assert "analyzer: offline" in result.output
        engine = open_store(db_url)
        texts = clause_texts(engine)
        a = t.analyses.c
        with engine.connect() as conn:
            rows = conn.execute(sa.select(a.clause_sha256, a.analysis, a.status)).all()
        assert rows
        assert covered_by_an_analysis(engine) == set(texts)
        for sha, data, status in rows:
            assert status == "valid"
            text, truncated = texts[sha]
            analysis = validate_analysis(data, text, truncated)
            assert analysis.confidence == "low"

    def test_heading_only_clauses_are_not_analysed(
        self, engine: sa.Engine, settings: Settings
    ) -> None:
        summary = run(engine, [FIXTURES / "ota"], settings, RunOptions(analyzer="offline"))
        c, a = t.clauses.c, t.analyses.c
        with engine.connect() as conn:
            headings = {
                sha
                for sha, text in conn.execute(sa.select(c.clause_sha256, c.text))
                if heading_only(text)
            }
            analysed = set(conn.execute(sa.select(a.clause_sha256)).scalars())
        assert headings
        assert not headings & analysed
        assert summary.counts["headings"] > 0

    def test_runs_lists_the_run_with_its_counts(self, db_url: str) -> None:
        runner = CliRunner()
        runner.invoke(main, ["--db", db_url, "run", str(AUP), "--entity", "A", "--title", "B"])
        result = runner.invoke(main, ["--db", db_url, "runs", "--json"])
        (record,) = json.loads(result.output)
        assert record["status"] == "succeeded"
        assert record["analyzer"] == "offline"
        assert record["counts"]["analysed"] == record["counts"]["to_analyse"] > 0

    def test_an_offline_run_never_imports_the_anthropic_sdk(self, db_url: str) -> None:
        """A run over a document's history (clauses and change analyses) loads no SDK."""
        script = (
            "import sys\n"
            "from clauselens.cli import main\n"
            "try:\n"
            f"    main(['--db', {db_url!r}, 'run', {str(HISTORY)!r}], standalone_mode=False)\n"
            "except SystemExit:\n"
            "    pass\n"
            "print('anthropic' in sys.modules)\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", script], check=False, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip().splitlines()[-1] == "False"
        ch = t.changes.c
        engine = open_store(db_url)
        with engine.connect() as conn:
            analysed = conn.execute(sa.select(ch.analyzer).where(ch.analyzer.is_not(None)))
            assert set(analysed.scalars()) == {"offline"}

    def test_usage_error_exits_2(self, db_url: str) -> None:
        result = CliRunner().invoke(main, ["--db", db_url, "run"])
        assert result.exit_code == 2
        assert "give at least one PATH" in result.output


class TestIncremental:
    def test_second_run_makes_no_request(
        self, engine: sa.Engine, claude_settings: Settings, fake_api: FakeApi
    ) -> None:
        first = run(engine, [AUP], claude_settings, RunOptions(), ingest_options=META)
        sent = len(fake_api.message_bodies())
        assert first.analyzer == "claude"
        assert sent == first.counts["analysed"] > 0
        second = run(engine, [AUP], claude_settings, RunOptions(), ingest_options=META)
        assert len(fake_api.message_bodies()) == sent
        assert second.counts["analysed"] == 0
        assert second.counts["reused"] == second.counts["clauses_seen"]

    def test_same_text_in_another_document_is_not_sent_again(
        self, engine: sa.Engine, claude_settings: Settings, fake_api: FakeApi
    ) -> None:
        run(engine, [AUP], claude_settings, RunOptions(), ingest_options=META)
        sent = len(fake_api.message_bodies())
        other = {"entity": "Mirror", "title": "Copy of the Usage Policy"}
        summary = run(engine, [AUP], claude_settings, RunOptions(), ingest_options=other)
        assert len(fake_api.message_bodies()) == sent
        assert summary.counts["clauses_seen"] > 0
        assert summary.counts["analysed"] == 0


def _run_cli(db_url: str, base_url: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "ANTHROPIC_API_KEY": FAKE_API_KEY,
        "ANTHROPIC_BASE_URL": base_url,
        "CLAUSELENS_DB": db_url,
    }
    cmd = [sys.executable, "-m", "clauselens", "run", str(DEV_TERMS), str(AUP)]
    cmd += ["--analyzer", "claude", "--concurrency", "4"]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _count(db_url: str) -> int:
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(sa.select(sa.func.count()).select_from(t.analyses)).scalar_one()
            )
    except sa.exc.OperationalError:
        return 0
    finally:
        engine.dispose()


class TestCrashSafety:
    def test_run_killed_and_restarted_ends_like_an_uninterrupted_run(self, tmp_path: Path) -> None:
        with FakeApi(latency=0.05) as api:
            whole = f"sqlite:///{tmp_path / 'whole.db'}"
            assert _run_cli(whole, api.base_url).wait(timeout=300) == 0
            expected = sorted(analyses(open_store(whole)))
            killed = f"sqlite:///{tmp_path / 'killed.db'}"
            # Killed a third of the way in: results are committed in groups (those that complete
            # together), so a kill near the end could come after the last group.
            stop_after = max(1, len(expected) // 3)
            proc = _run_cli(killed, api.base_url)
            deadline = time.monotonic() + 120
            while _count(killed) < stop_after and time.monotonic() < deadline:
                time.sleep(0.01)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            assert proc.returncode == -signal.SIGKILL
            assert 0 < _count(killed) < len(expected)
            assert _run_cli(killed, api.base_url).wait(timeout=300) == 0
        assert sorted(analyses(open_store(killed))) == expected


class _StopTheRun(Exception):
    """Raised from a progress callback to stop a run midway, as a crash would."""


class TestKilledRun:
    def test_a_killed_run_shows_what_its_stored_analyses_cost(
        self, engine: sa.Engine, claude_settings: Settings, fake_api: FakeApi
    ) -> None:
        """A run stopped after three analyses, whose process is gone, is listed as
        interrupted with the usage of the analyses stored under its id; they came from the
        fake server, so they count as synthetic and cost no Claude spend (the cost of real
        analyses: tests/test_synthetic.py)."""
        done: list[str] = []

        def stop_after_three(item: WorkItem, result: AnalysisResult) -> None:
            done.append(result.clause_sha256)
            if len(done) == 3:
                raise _StopTheRun

        options = RunOptions(concurrency=1)
        with pytest.raises(_StopTheRun):
            run(
                engine,
                [AUP],
                claude_settings,
                options,
                Callbacks(on_result=stop_after_three),
                ingest_options=META,
            )
        gone = subprocess.Popen([sys.executable, "-c", "pass"])
        gone.wait()
        with engine.begin() as conn:
            (options_json,) = conn.execute(sa.select(t.runs.c.options)).one()
            owner = {**options_json["_owner"], "pid": gone.pid}
            conn.execute(t.runs.update().values(options={**options_json, "_owner": owner}))
        (record,) = list_runs(engine)
        a = t.analyses.c
        with engine.connect() as conn:
            provenances = conn.execute(sa.select(a.provenance)).scalars().all()
        assert record.status == "interrupted"
        assert record.counts["analysed"] == len(provenances) >= 3
        assert record.counts["synthetic"] == len(provenances)
        assert all(p["synthetic"] and p["cost_usd"] > 0 for p in provenances)
        assert record.cost_usd == 0
        assert record.usage.output_tokens == sum(p["usage"]["output_tokens"] for p in provenances)

    def test_a_run_stopped_in_its_process_is_recorded_interrupted_with_what_it_stored(
        self, engine: sa.Engine, claude_settings: Settings
    ) -> None:
        """The run record itself (not only the listing) says interrupted, with the counts and
        tokens of the analyses stored under its id."""

        done: list[str] = []

        def stop_after_three(item: WorkItem, result: AnalysisResult) -> None:
            done.append(result.clause_sha256)
            if len(done) == 3:
                raise _StopTheRun

        with pytest.raises(_StopTheRun):
            run(
                engine,
                [AUP],
                claude_settings,
                RunOptions(concurrency=1),
                Callbacks(on_result=stop_after_three),
                ingest_options=META,
            )
        a = t.analyses.c
        with engine.connect() as conn:
            row = conn.execute(sa.select(t.runs)).one()
            provenances = conn.execute(sa.select(a.provenance)).scalars().all()
        assert row.status == "interrupted"
        assert row.finished_at is None
        assert row.counts["analysed"] == len(provenances) >= 3
        assert row.counts["to_analyse"] > row.counts["analysed"]
        assert row.usage["output_tokens"] == sum(p["usage"]["output_tokens"] for p in provenances)

    def test_a_dead_run_is_recorded_with_its_claude_spend_when_the_next_run_starts(
        self, engine: sa.Engine, settings: Settings
    ) -> None:
        """A run killed after storing two real Claude analyses ($0.25 and $0.28) is recorded
        interrupted with 2 analysed and $0.53 by the next run started on this machine."""
        dead = dead_run(engine)
        clause_rows = _aup_clauses(engine, settings)[:2]
        for clause, cost in zip(clause_rows, (0.25, 0.28), strict=True):
            _save_claude_analysis(engine, clause, dead, cost)
        run(engine, [AUP], settings, RunOptions(analyzer="offline"), ingest_options=META)
        with engine.connect() as conn:
            row = conn.execute(sa.select(t.runs).where(t.runs.c.id == dead)).one()
        assert row.status == "interrupted"
        assert row.counts["analysed"] == 2
        assert row.cost_usd == pytest.approx(0.53)
        listed = CliRunner().invoke(main, ["--db", settings.db_url, "runs", "--json"])
        (record,) = [r for r in json.loads(listed.output) if r["id"] == dead]
        assert record["status"] == "interrupted"
        assert record["counts"]["analysed"] == 2
        assert record["cost_usd"] == pytest.approx(0.53)


def _aup_clauses(engine: sa.Engine, settings: Settings) -> list[sa.Row[Any]]:
    ingest(engine, [AUP], settings, META)
    c = t.clauses.c
    with engine.connect() as conn:
        rows = conn.execute(sa.select(c.id, c.text, c.clause_sha256).order_by(c.id)).all()
    return [r for r in rows if not heading_only(r.text)]


def _save_claude_analysis(engine: sa.Engine, clause: sa.Row[Any], run_id: str, cost: float) -> None:
    """A hand-written analysis stored as a real Claude answer paid by ``run_id`` (test data)."""
    result = AnalysisResult(
        clause_sha256=clause.clause_sha256,
        status="valid",
        analysis=written_analysis(clause.text),
        provenance=Provenance(
            analyzer="claude",
            model="claude-sonnet-5-5",
            prompt_id="clause-analysis",
            prompt_version="test0001",
            generated_at=datetime.now(UTC),
            usage=Usage(output_tokens=900),
            cost_usd=cost,
        ),
    )
    with engine.begin() as conn:
        save_result(conn, result, clause_pk=clause.id, run_id=run_id)


class TestFaults:
    def test_with_30_percent_faults_every_clause_is_valid_or_a_flagged_failure(
        self, engine: sa.Engine, claude_settings: Settings
    ) -> None:
        with FakeApi(fault_rate=0.3, seed=7) as api:
            api.script("timeout", "ok", "timeout")
            settings = claude_settings.model_copy(
                update={"base_url": api.base_url, "request_timeout": 1.0, "max_attempts": 2}
            )
            summary = run(engine, [AUP], settings, RunOptions(concurrency=8), ingest_options=META)
            requests = len(api.message_bodies())
        rows = analyses(engine)
        keys = [(sha, analyzer) for sha, analyzer, _ in rows]
        assert len(keys) == len(set(keys))  # nothing stored twice
        assert covered_by_an_analysis(engine) == set(clause_texts(engine))
        a, f = t.analyses.c, t.flags.c
        with engine.connect() as conn:
            failed = conn.execute(sa.select(a.id).where(a.status == "failed")).scalars().all()
            flagged = set(
                conn.execute(sa.select(f.analysis_pk).where(f.code == "failed")).scalars()
            )
        assert set(failed) <= flagged
        assert summary.counts["failed"] == len(failed)
        assert summary.exit_status == (1 if failed else 0)
        assert requests > summary.counts["to_analyse"]  # faults made the client retry
        (record,) = list_runs(engine)
        assert record.counts["analysed"] + record.counts["failed"] == record.counts["to_analyse"]


@pytest.fixture(autouse=True)
def _no_stray_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """Offline tests must not pick up a key; Claude tests set one through ``api_key``."""
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)


def test_the_run_modules_import_each_other_without_a_cycle() -> None:
    """``pipeline/runs``: run → transports (messages, batches) → plan, summary → records, with
    no module importing one that imports it back (lazy imports inside functions included)."""
    import ast

    package = Path(__file__).resolve().parents[1] / "src" / "clauselens" / "pipeline" / "runs"
    prefix = "clauselens.pipeline.runs."
    graph: dict[str, set[str]] = {}
    for path in package.glob("*.py"):
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
                imported |= {n.removeprefix(prefix) for n in names if n.startswith(prefix)}
        graph[path.stem] = imported & {p.stem for p in package.glob("*.py")}

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(
            nxt == goal or (nxt not in seen and reaches(nxt, goal, seen | {nxt}))
            for nxt in graph[start]
        )

    assert [m for m in graph if reaches(m, m, {m})] == []
    assert "batches" not in graph["_batch_collect"]
    assert "run" not in graph["batches"] | graph["_batch_collect"] | graph["summary"]


def test_runs_lists_whole_run_ids_on_a_narrow_terminal(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Run ids are copied for --resume: the table never cuts them, even 60 columns wide."""
    runner = CliRunner()
    args = ["--db", db_url, "run", str(AUP), "--entity", "A", "--title", "B"]
    assert runner.invoke(main, args).exit_code == 0
    [record] = json.loads(runner.invoke(main, ["--db", db_url, "runs", "--json"]).stdout)
    monkeypatch.setenv("COLUMNS", "60")
    table = runner.invoke(main, ["--db", db_url, "runs"])
    assert record["id"] in table.stdout
