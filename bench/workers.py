"""Benchmark: a run worked by 1, 2 and 4 worker processes against the fake Messages API.

    source .ci/postgres.sh     # or CLAUSELENS_TEST_PG_URL=postgresql+psycopg://.../postgres
    python bench/workers.py [--clauses 400] [--latency 0.2] [--concurrency 8]
                            [--workers 1 2 4] [--repeat 1]

What it measures. A SYNTHETIC document of ``--clauses`` clauses (generated text, written as
Markdown and ingested into a fresh PostgreSQL database for each row) is planned as a Claude run,
cut into slices and queued (``pipeline.runs.queue``); ``--workers`` processes of
``clauselens worker --concurrency N`` are started and have registered with the queue before the
clock starts, so the row measures the queue, the claims, the executor and the store, not the
interpreter's start. The clock stops when every job of the run has ended. The fake server runs
in this process and answers every request after ``--latency`` seconds.

Columns:
- wall: seconds from queueing the slices to the run's last job ended;
- clauses/s: clauses / wall;
- ratio: clauses/s over the one-worker row's (measured in the same invocation);
- ideal: ceil(clauses / (workers x concurrency)) x latency, the rounds the clauses need with
  no overhead at all; efficiency = ideal / wall;
- machine after: load average and CPU pressure: the workers, the fake server and PostgreSQL
  share this machine's cores, so a ratio below the worker count on a small machine says the
  cores ran out, not the queue.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from bench.run import KEY, machine_load, synthetic_text  # noqa: E402

from clauselens.config import load_settings  # noqa: E402
from clauselens.pipeline.runs import queue  # noqa: E402
from clauselens.pipeline.runs.plan import RunOptions, plan_run  # noqa: E402
from clauselens.pipeline.runs.slices import cut  # noqa: E402
from clauselens.store import open_store  # noqa: E402
from clauselens.testing.fake_api import FakeApi  # noqa: E402

HEARTBEAT = 2.0


def server_url() -> str:
    url = os.environ.get("CLAUSELENS_BENCH_PG_URL") or os.environ.get("CLAUSELENS_TEST_PG_URL")
    if not url:
        raise SystemExit(
            "needs PostgreSQL: set CLAUSELENS_BENCH_PG_URL (or `source .ci/postgres.sh`)"
        )
    return url


def admin(url: str) -> sa.Engine:
    return sa.create_engine(url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


def new_database(server: str) -> tuple[str, str]:
    name = f"clauselens_bench_{uuid.uuid4().hex[:10]}"
    with admin(server).connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    url = sa.engine.make_url(server).set(database=name).render_as_string(hide_password=False)
    return name, url


def drop_database(server: str, name: str) -> None:
    with admin(server).connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def synthetic_document(folder: Path, clauses: int) -> Path:
    """A SYNTHETIC policy: one heading and one clause per section (not from any real policy)."""
    path = folder / "synthetic-terms.md"
    sections = [f"## Clause {i}\n\n{synthetic_text(i)}" for i in range(clauses)]
    path.write_text("# Synthetic Terms (bench)\n\n" + "\n\n".join(sections) + "\n", "utf-8")
    return path


def registered_workers(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT count(*) FROM procrastinate_workers").scalar_one())


def measure(
    server: str, document: Path, workers: int, concurrency: int, env: dict[str, str]
) -> tuple[float, int]:
    """Seconds for ``workers`` processes to work a run of ``document``; clauses analysed."""
    name, url = new_database(server)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        settings = load_settings({"db_url": url})
        engine = open_store(url)
        options = RunOptions(analyzer="claude")
        meta = {"entity": "Synthetic", "title": "Synthetic Terms", "captured_at": "2026-01-01"}
        plan = plan_run(engine, [document], settings, options, env, ingest_options=meta)
        queue.ensure_schema(engine)
        command = [sys.executable, "-m", "clauselens", "--db", url, "worker"]
        command += ["--concurrency", str(concurrency), "--heartbeat", str(HEARTBEAT)]
        processes = [
            subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL) for _ in range(workers)
        ]
        while registered_workers(engine) < workers:
            time.sleep(0.05)
        start = time.perf_counter()
        asyncio.run(queue.queue_run(engine, settings, plan.run_id, cut(plan.work.items)))
        statuses = asyncio.run(
            queue.wait_for_run(engine, settings, plan.run_id, heartbeat=HEARTBEAT, poll=0.05)
        )
        wall = time.perf_counter() - start
        if set(statuses) != {"succeeded"}:
            raise SystemExit(f"jobs did not all succeed: {statuses}")
        engine.dispose()
        return wall, len(plan.work.items)
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=60)
        drop_database(server, name)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clauses", type=int, default=400)
    parser.add_argument("--latency", type=float, default=0.2, help="fake API latency, seconds")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight a worker")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--repeat", type=int, default=1, help="best of N per row")
    args = parser.parse_args(argv)
    server = server_url()
    counts = sorted(set(args.workers) | {1})
    with tempfile.TemporaryDirectory() as tmp, FakeApi(latency=args.latency) as api:
        home = Path(tmp) / "home"
        home.mkdir()
        env = {
            **os.environ,
            "CLAUSELENS_HOME": str(home),
            "ANTHROPIC_API_KEY": KEY,
            "ANTHROPIC_BASE_URL": api.base_url,
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        }
        os.environ.update({k: env[k] for k in ("CLAUSELENS_HOME", "ANTHROPIC_BASE_URL")})
        os.environ["ANTHROPIC_API_KEY"] = KEY
        document = synthetic_document(Path(tmp), args.clauses)
        print(
            f"{args.clauses} SYNTHETIC clauses, fake API latency {args.latency:.2f} s, "
            f"concurrency {args.concurrency} a worker, best of {args.repeat}"
        )
        print(
            "| workers | wall (s) | clauses/s | ratio to 1 | ideal (s) | efficiency "
            "| machine after |\n|---:|---:|---:|---:|---:|---:|---|"
        )
        base = None
        for workers in counts:
            runs = [
                measure(server, document, workers, args.concurrency, env)
                for _ in range(args.repeat)
            ]
            wall, clauses = min(runs)
            rate = clauses / wall
            base = base or rate
            ideal = math.ceil(clauses / (workers * args.concurrency)) * args.latency
            print(
                f"| {workers} | {wall:.2f} | {rate:.1f} | {rate / base:.2f}x | {ideal:.2f} "
                f"| {ideal / wall:.0%} | {machine_load()} |"
            )


if __name__ == "__main__":
    main()
