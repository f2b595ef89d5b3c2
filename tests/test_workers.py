"""Scale-out runs: workers on procrastinate over one PostgreSQL store (issue 20, point 3).

The PostgreSQL tests are marked ``postgres``: skipped with the reason without a server
(``source .ci/postgres.sh`` starts one), failed under CI=true (``tests/support/postgres.py``).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from clauselens.cli import main
from clauselens.config import load_settings
from clauselens.pipeline.runs.plan import RunOptions, plan_run
from clauselens.pipeline.runs.pool import is_pooled
from clauselens.pipeline.runs.queue import (
    QUEUED_OPTION,
    forget_succeeded,
    job_statuses,
    queue_run,
    wait_for_run,
)
from clauselens.pipeline.runs.records import list_runs
from clauselens.pipeline.runs.slices import cut
from clauselens.pipeline.runs.summary import finish, record_interrupted
from clauselens.schemas import Provenance
from clauselens.store import open_store
from clauselens.store import tables as t
from clauselens.testing.fake_api import FakeApi
from clauselens.testing.fake_api._replies import HTTP_FAULTS
from tests.support.keys import FAKE_API_KEY
from tests.support.paths import FIXTURES, ROOT
from tests.support.postgres import fresh_database

AUP = FIXTURES / "ota" / "current" / "claude-ai" / "acceptable-use-policy.md"
META = {"entity": "Claude.ai", "title": "Usage Policy"}
TRANSIENT = {*HTTP_FAULTS, "reset"}  # retried by the client, never answered: not paid
HEARTBEAT = 1.0  # seconds: a worker silent for 3 s is stalled


@pytest.fixture
def pg_url() -> Iterator[str]:
    with fresh_database() as url:
        yield url


def worker_env(home: Path, base_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "CLAUSELENS_HOME": str(home),
        "ANTHROPIC_API_KEY": FAKE_API_KEY,
        "ANTHROPIC_BASE_URL": base_url,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
    }


def start_worker(db_url: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "clauselens", "--db", db_url, "worker"]
    command += ["--concurrency", "2", "--heartbeat", str(HEARTBEAT)]
    with log.open("wb") as out:
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)


def holders(engine: sa.Engine) -> dict[str, set[str]]:
    """The clause texts claimed now, by the pid of the process that holds them."""
    c = t.claims.c
    with engine.connect() as conn:
        rows = conn.execute(sa.select(c.holder, c.clause_sha256)).all()
    held: dict[str, set[str]] = {}
    for holder, sha in rows:
        held.setdefault(holder.split(":")[-2], set()).add(sha)
    return held


def clause_of(body: dict[str, object], texts: dict[str, str]) -> str:
    """The clause text (its sha) a request asks about: the longest prompt text it contains."""
    block = body["messages"][0]["content"][1]["text"]  # type: ignore[index]
    found = [sha for sha, text in texts.items() if text in block]
    return max(found, key=lambda sha: len(texts[sha]))


def stored_provenance(engine: sa.Engine) -> dict[str, Provenance]:
    a = t.analyses.c
    with engine.connect() as conn:
        rows = conn.execute(sa.select(a.clause_sha256, a.provenance).where(a.analyzer == "claude"))
        return {sha: Provenance.model_validate(p) for sha, p in rows}


def answered_calls(provenance: Provenance) -> int:
    """The requests of an analysis the server answered: every call but those given up after
    transient errors only (recorded as ``api_error`` / ``transport`` attempts)."""
    gave_up = sum(a.kind in ("api_error", "transport") for a in provenance.failed_attempts)
    return provenance.attempts - gave_up


@pytest.mark.postgres
class TestFourWorkersOneKilled:
    def test_every_clause_is_analysed_once_and_nothing_is_paid_twice(
        self, pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Four worker processes on one store and the fake API with 30% faults; one is
        SIGKILLed while it holds clauses. Its job is retried by another once it is stalled and
        its claims have expired: every clause text gets exactly one analysis, every job ends
        succeeded, and the requests the server received are the analyses' answered calls
        (clauses + re-asks) plus the retried faults, plus only the requests the killed worker
        had in flight for the texts it held."""
        home = tmp_path / "home"
        home.mkdir()
        (home / "config.toml").write_text(
            "claim_lease = 3\nretry_initial_wait = 0.01\nretry_max_backoff = 0.05\n"
        )
        with FakeApi(fault_rate=0.3, seed=20, latency=0.15) as api:
            env = worker_env(home, api.base_url)
            for name in ("CLAUSELENS_HOME", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL"):
                monkeypatch.setenv(name, env[name])
            settings = load_settings({"db_url": pg_url})
            engine = open_store(pg_url)
            plan = plan_run(
                engine, [AUP], settings, RunOptions(analyzer="claude"), ingest_options=META
            )
            texts = {i.input.clause_sha256: i.input.prompt_text for i in plan.work.items}
            jobs = asyncio.run(queue_run(engine, settings, plan.run_id, cut(plan.work.items, 2)))
            workers = [start_worker(pg_url, env, tmp_path / f"w{n}.log") for n in range(4)]
            try:
                killed, held = self._kill_one_holding_clauses(engine, workers)
                progress = list_runs(open_store(pg_url))[0]  # another engine: another machine
                statuses = asyncio.run(
                    asyncio.wait_for(
                        wait_for_run(engine, settings, plan.run_id, heartbeat=HEARTBEAT), 240
                    )
                )
            finally:
                for worker in workers:
                    if worker.poll() is None:
                        worker.send_signal(signal.SIGTERM)
                for worker in workers:
                    worker.wait(timeout=60)
            requests = [r for r in api.requests if r.path == "/v1/messages"]
        summary = finish(engine, plan.run_id)
        provenance = stored_provenance(engine)
        with engine.connect() as conn:
            stored = conn.execute(sa.select(t.analyses.c.clause_sha256)).scalars().all()
        engine.dispose()

        assert killed.returncode == -signal.SIGKILL
        assert held  # it died holding clauses
        assert progress.id == plan.run_id
        assert progress.status == "running"
        assert statuses == {"succeeded": jobs}
        assert sorted(stored) == sorted(texts)  # each text analysed, none twice
        assert summary.counts["analysed"] + summary.counts["failed"] == len(texts)

        answered = Counter(clause_of(r.body, texts) for r in requests if r.reply not in TRANSIENT)
        transient = sum(r.reply in TRANSIENT for r in requests)
        assert transient > 0  # faults were met and retried
        paid = {sha: answered_calls(p) for sha, p in provenance.items()}
        lost = {sha: answered[sha] - paid[sha] for sha in texts if answered[sha] != paid[sha]}
        assert set(lost) <= held  # only the killed worker's texts were sent more than recorded
        assert all(n > 0 for n in lost.values())
        assert len(requests) == sum(paid.values()) + transient + sum(lost.values())

    @staticmethod
    def _kill_one_holding_clauses(
        engine: sa.Engine, workers: list[subprocess.Popen[bytes]]
    ) -> tuple[subprocess.Popen[bytes], set[str]]:
        """SIGKILL the first worker seen holding claims; the texts it held."""
        by_pid = {str(w.pid): w for w in workers}
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            for pid, shas in holders(engine).items():
                if pid in by_pid:
                    by_pid[pid].send_signal(signal.SIGKILL)
                    by_pid[pid].wait(timeout=30)
                    return by_pid[pid], shas | holders(engine).get(pid, set())
            time.sleep(0.05)
        raise AssertionError("no worker claimed a clause within 120 s")


@pytest.mark.postgres
class TestRunWithWorkers:
    def test_run_with_two_workers_analyses_every_clause(
        self, pg_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """``clauselens run --workers 2``: the run's slices are worked by two local worker
        processes and the run ends with every clause analysed, as a one-process run does."""
        monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT / "src"), str(ROOT)]))
        args = ["--db", pg_url, "run", str(AUP), "--analyzer", "offline", "--workers", "2"]
        result = CliRunner().invoke(main, [*args, "--entity", "A", "--title", "B"])
        assert result.exit_code == 0, result.output
        engine = open_store(pg_url)
        (record,) = list_runs(engine)
        statuses = job_statuses(engine, record.id)
        engine.dispose()
        assert record.status == "succeeded"
        assert record.counts["analysed"] == record.counts["to_analyse"] > 0
        assert statuses == {}  # its succeeded jobs are deleted once it has finished
        assert record.options[QUEUED_OPTION] > 0


@pytest.mark.postgres
class TestResumeAWorkerRun:
    def test_resume_sees_through_a_run_whose_coordinator_stopped(
        self, pg_url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """A run queued for workers whose starting process stopped (recorded interrupted, its
        jobs still queued, no worker running): ``run --resume RUN_ID --workers 2`` refuses
        while that process lives, then starts two workers, waits for the jobs and finishes the
        run as a one-process run would; resuming it again says it has finished."""
        monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(ROOT / "src"), str(ROOT)]))
        settings = load_settings({"db_url": pg_url})
        engine = open_store(pg_url)
        plan = plan_run(
            engine, [AUP], settings, RunOptions(analyzer="offline"), ingest_options=META
        )
        jobs = asyncio.run(queue_run(engine, settings, plan.run_id, cut(plan.work.items, 4)))
        resume = ["--db", pg_url, "run", "--resume", plan.run_id, "--workers", "2"]

        alive = CliRunner().invoke(main, resume)  # this process started it and lives on
        assert alive.exit_code == 2, alive.output
        assert "still running" in alive.output

        record_interrupted(engine, plan.run_id)  # as Ctrl-C in the starting process records it
        assert list_runs(engine)[0].status == "interrupted"
        assert job_statuses(engine, plan.run_id) == {"todo": jobs}

        result = CliRunner().invoke(main, resume)
        assert result.exit_code == 0, result.output
        (record,) = list_runs(engine)
        assert record.status == "succeeded"
        assert record.counts["analysed"] == record.counts["to_analyse"] == len(plan.work.items)
        assert job_statuses(engine, plan.run_id) == {}
        assert record.options[QUEUED_OPTION] == jobs

        again = CliRunner().invoke(main, resume)
        assert again.exit_code == 2
        assert "has finished (succeeded)" in again.output
        engine.dispose()


@pytest.mark.postgres
def test_forgetting_a_run_deletes_its_succeeded_jobs_only(pg_url: str) -> None:
    """Once a run has finished, its succeeded jobs leave the queue; a failed job stays for
    diagnosis, and another run's jobs are untouched."""
    settings = load_settings({"db_url": pg_url})
    engine = open_store(pg_url)
    plan = plan_run(engine, [AUP], settings, RunOptions(analyzer="offline"), ingest_options=META)
    other = plan_run(engine, [AUP], settings, RunOptions(analyzer="offline"), ingest_options=META)
    slices = cut(plan.work.items, 1)
    jobs = asyncio.run(queue_run(engine, settings, plan.run_id, slices))
    asyncio.run(queue_run(engine, settings, other.run_id, slices))
    assert jobs >= 2
    mark = sa.text(
        "UPDATE procrastinate_jobs SET status = CAST(:status AS procrastinate_job_status) "
        "WHERE args->>'run_id' = :run AND id = (SELECT min(id) FROM procrastinate_jobs "
        "WHERE args->>'run_id' = :run AND status = 'todo')"
    )
    with engine.begin() as conn:
        conn.execute(mark, {"status": "failed", "run": plan.run_id})
        for _ in range(jobs - 1):
            conn.execute(mark, {"status": "succeeded", "run": plan.run_id})
    assert job_statuses(engine, plan.run_id) == {"failed": 1, "succeeded": jobs - 1}

    assert forget_succeeded(engine, plan.run_id) == jobs - 1
    assert job_statuses(engine, plan.run_id) == {"failed": 1}
    assert job_statuses(engine, other.run_id) == {"todo": jobs}
    assert is_pooled(engine, plan.run_id)
    engine.dispose()


class TestSqliteHasNoWorkers:
    @pytest.mark.parametrize(
        "args",
        [["worker"], ["run", str(AUP), "--workers", "2"]],
        ids=["worker", "run --workers"],
    )
    def test_workers_on_a_sqlite_store_are_a_usage_error(
        self, tmp_path: Path, args: list[str]
    ) -> None:
        """SQLite runs in one process: asking it for workers says so and exits 2."""
        result = CliRunner().invoke(main, ["--db", str(tmp_path / "s.db"), *args])
        assert result.exit_code == 2
        assert "needs a PostgreSQL store" in result.output
        assert "--concurrency" in result.output
