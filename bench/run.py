"""Benchmark: the concurrent analysis pipeline against the fake Messages API (synthetic clauses).

    python bench/run.py [--clauses 1000] [--latency 0.2] [--concurrency 8 32 64]
                        [--baseline 100] [--repeat 1]

What it measures. SYNTHETIC clauses (generated text, stored as one document in a temporary
SQLite store) go through ``pipeline.analyze.Executor`` with ``ClaudeAnalyzer``: request
building, the real Anthropic SDK over HTTP, validation (schema and semantics), group commits by
the writer thread (the analyses that complete together, with their flags, in one transaction).
The fake server (``FakeApi``) answers
every request after a fixed latency; it runs in this (parent) process, and each measurement in
a fresh child process, so a row's peak memory is that run's own and the server does not share
the pipeline's interpreter lock (as a remote API would not).

Columns:
- wall: seconds from building the analyzer to the last committed analysis;
- ideal: ceil(clauses / concurrency) x latency: the rounds of ``concurrency`` requests the
  clauses need, each taking the latency, with no overhead at all (1000 clauses at concurrency 32
  need 32 rounds, the last one of 8: 6.40 s at 200 ms, where clauses x latency / concurrency,
  this column's formula before 2026-12-01, says 6.25 s, which no client can reach);
- efficiency: ideal / wall;
- CPU/clause: the child process's CPU time (user + system, all threads) / clauses; the note's
  "CPU ceiling" is ideal / CPU seconds (capped at 1): the efficiency the pipeline could reach
  with one core to itself (the interpreter lock keeps it to about one);
- run-queue wait: seconds the event-loop thread was ready to run but waiting for a CPU (Linux
  schedstat): high values mean other processes had the cores, not that the pipeline was slow;
- peak RSS: the child's maximum resident set size (interpreter and imports included);
- machine after: load average and CPU pressure (share of time some task waited for a CPU),
  and steal: the share of the machine's CPU time the hypervisor gave to other virtual machines
  while the row ran (Linux /proc/stat). The machine moves every row, not only by steal: on
  2026-12-02 one commit measured 0.89-0.91 (efficiency at concurrency 32) and 2.2-2.5 ms
  (overhead) in one hour, 0.93-0.97 and 1.2-1.3 ms in another, with no steal reported in
  either; compare rows of one run, or runs interleaved.
Overhead per clause: wall / clauses with the server's latency at 0 and concurrency 64: the time
the pipeline (client and fake server together, each on its own core) needs per clause when the
API costs nothing. Its note also gives the fake server's own CPU per request (this process's CPU
time while the child ran): when it nears the client's CPU per clause, the server, not the
pipeline, sets the overhead.

Bare rows: a bare aiohttp client posting the same request bodies at the same concurrency (no
SDK, no validation, no store): the efficiency the fake server and this machine allow at all.

Naive baseline: a sequential loop calling the sync client's ``messages.parse(...,
output_format=ClauseAnalysis)`` once per clause, nothing stored, on ``--baseline`` clauses; its
per-clause time is extrapolated to ``--clauses`` (said so in the table).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

KEY = "fake-key-bench-not-a-real-key"
TEMPLATES = (
    "We may suspend or terminate account {i} without notice if you breach these terms.",
    "You must not share output {i} with third parties for training competing models.",
    "Disputes about order {i} are resolved by binding arbitration under the laws of Delaware.",
    "We retain personal data about session {i} for as long as your account is active.",
    "Our liability for service {i} is limited to the fees you paid in the last twelve months.",
)


def synthetic_text(i: int) -> str:
    """A SYNTHETIC clause of three sentences (not from any real policy)."""
    parts = [TEMPLATES[(i + k) % len(TEMPLATES)].format(i=i) for k in range(3)]
    return f"Synthetic clause {i}. " + " ".join(parts)


def build_store(db_url: str, clauses: int) -> tuple[sa.Engine, int]:
    """A store with one SYNTHETIC document version of ``clauses`` clauses."""
    from clauselens.store import insert_pk, open_store
    from clauselens.store import tables as t
    from clauselens.textnorm import clause_sha256

    engine = open_store(db_url)
    now = datetime.now(UTC)
    texts = [synthetic_text(i) for i in range(clauses)]
    with engine.begin() as conn:
        doc = insert_pk(
            conn,
            t.documents.insert().values(
                document_id="synthetic-bench",
                entity="Synthetic",
                title="Synthetic Terms (bench)",
                terms_type="Terms of Service",
                first_tracked=now,
                last_verified=now,
            ),
        )
        body = "\n\n".join(texts)
        version = insert_pk(
            conn,
            t.versions.insert().values(
                document_pk=doc,
                capture_pk=0,
                captured_at=now,
                text=body,
                text_sha256="0" * 64,
                extractor="bench",
            ),
        )
        start = 0
        rows = []
        for i, text in enumerate(texts):
            rows.append(
                {
                    "version_pk": version,
                    "idx": i,
                    "heading_path": [f"Section {i // 50 + 1}", f"Clause {i}"],
                    "text": text,
                    "start": start,
                    "end": start + len(text),
                    "clause_sha256": clause_sha256(text),
                }
            )
            start += len(text) + 2
        conn.execute(t.clauses.insert(), rows)
    return engine, version


def _schedstat() -> tuple[float, float]:
    """This thread's (seconds on a CPU, seconds runnable but waiting for one), from Linux."""
    try:
        on_cpu, waiting, _ = Path("/proc/thread-self/schedstat").read_text().split()
    except (OSError, ValueError):
        return 0.0, 0.0
    return int(on_cpu) / 1e9, int(waiting) / 1e9


def peak_rss_mb() -> float:
    """This process's peak resident set size (VmHWM: unlike ``ru_maxrss``, it is not carried
    over from the parent across fork and exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def cpu_ticks() -> tuple[int, int]:
    """(all CPU time, time stolen by the hypervisor) since boot, in ticks (Linux /proc/stat)."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    return sum(fields[:8]), fields[7] if len(fields) > 7 else 0


def machine_load() -> str:
    """The load average and CPU pressure, to read a row's numbers against."""
    load = os.getloadavg()[0]
    try:
        some = Path("/proc/pressure/cpu").read_text().split()[1].split("=")[1]
    except (OSError, IndexError):
        some = "?"
    return f"load {load:.1f}, CPU pressure {some}%"


def work_items(engine: sa.Engine, version_pk: int, settings: Any) -> list[Any]:
    from clauselens.pipeline.analyze.work import WorkItem, clause_inputs

    with engine.connect() as conn:
        return [WorkItem(pk, version_pk, c) for pk, c in clause_inputs(conn, version_pk, settings)]


def child_pipeline(base_url: str, clauses: int, concurrency: int) -> dict[str, Any]:
    """One measurement of Executor + ClaudeAnalyzer (runs in a child process)."""
    from clauselens.analyzers.backoff import Backoff
    from clauselens.analyzers.claude import ClaudeAnalyzer
    from clauselens.config import load_settings
    from clauselens.pipeline.analyze.executor import Executor

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings({"db_url": f"sqlite:///{tmp}/bench.db", "base_url": base_url})
        engine, version = build_store(settings.db_url, clauses)
        items = work_items(engine, version, settings)

        async def go() -> Any:
            analyzer = ClaudeAnalyzer(settings, backoff=Backoff())
            try:
                return await Executor(engine, analyzer, concurrency=concurrency).run(items)
            finally:
                await analyzer.aclose()

        cpu0, t0, (_, wait0) = time.process_time(), time.perf_counter(), _schedstat()
        outcome = asyncio.run(go())
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        runq = _schedstat()[1] - wait0
        engine.dispose()
    return {
        "runq": runq,
        "wall": wall,
        "cpu": cpu,
        "analysed": outcome.analysed,
        "failed": len(outcome.failures),
        "rss_mb": peak_rss_mb(),
    }


def child_baseline(base_url: str, clauses: int) -> dict[str, Any]:
    """The naive loop: sync client, ``messages.parse`` one clause after another."""
    import anthropic

    from clauselens.analyzers.claude import build_request
    from clauselens.config import load_settings
    from clauselens.schemas import ClauseAnalysis

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings({"db_url": f"sqlite:///{tmp}/bench.db"})
        engine, version = build_store(settings.db_url, clauses)
        items = work_items(engine, version, settings)
    client = anthropic.Anthropic(base_url=base_url, max_retries=0)
    cpu0, t0, (_, wait0) = time.process_time(), time.perf_counter(), _schedstat()
    parsed = 0
    for item in items:
        params = build_request(item.input)
        params.pop("output_config")
        message = client.messages.parse(**params, output_format=ClauseAnalysis)
        parsed += message.parsed_output is not None
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    runq = _schedstat()[1] - wait0
    client.close()
    return {
        "runq": runq,
        "wall": wall,
        "cpu": cpu,
        "analysed": parsed,
        "failed": clauses - parsed,
        "rss_mb": peak_rss_mb(),
    }


def child_bare(base_url: str, clauses: int, concurrency: int) -> dict[str, Any]:
    """The floor: a bare aiohttp client posting the same bodies at the same concurrency, with
    no SDK, no validation and no store: what the fake server and this machine allow."""
    import aiohttp

    from clauselens.analyzers.claude import build_request, request_body
    from clauselens.config import load_settings

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings({"db_url": f"sqlite:///{tmp}/bench.db"})
        engine, version = build_store(settings.db_url, clauses)
        items = work_items(engine, version, settings)
    bodies = [request_body(build_request(item.input)) for item in items]
    headers = {"x-api-key": KEY, "anthropic-version": "2023-06-01"}
    headers["content-type"] = "application/json"
    done = 0

    async def go() -> None:
        nonlocal done
        queue = iter(bodies)
        async with aiohttp.ClientSession() as session:

            async def worker() -> None:
                nonlocal done
                for body in queue:
                    async with session.post(
                        f"{base_url}/v1/messages", data=body, headers=headers
                    ) as response:
                        await response.read()
                        done += response.status == 200

            await asyncio.gather(*(worker() for _ in range(concurrency)))

    cpu0, t0, (_, wait0) = time.process_time(), time.perf_counter(), _schedstat()
    asyncio.run(go())
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    return {
        "runq": _schedstat()[1] - wait0,
        "wall": wall,
        "cpu": cpu,
        "analysed": done,
        "failed": clauses - done,
        "rss_mb": peak_rss_mb(),
    }


def measure(kind: str, base_url: str, clauses: int, concurrency: int = 1) -> dict[str, Any]:
    """Run one measurement in a fresh child process and return its JSON."""
    env = {**os.environ, "ANTHROPIC_API_KEY": KEY, "CLAUSELENS_HOME": tempfile.gettempdir()}
    env.pop("CLAUSELENS_DB", None)
    argv = [sys.executable, __file__, "--child", kind, base_url, str(clauses), str(concurrency)]
    total0, stolen0 = cpu_ticks()
    out = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    total1, stolen1 = cpu_ticks()
    if out.returncode != 0:
        raise SystemExit(f"bench child failed:\n{out.stderr}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    result["steal"] = (stolen1 - stolen0) / max(1, total1 - total0)
    return result


def row(label: str, m: dict[str, Any], clauses: int, ideal: float | None, note: str = "") -> str:
    eff = f"{ideal / m['wall']:.3f}" if ideal else "-"
    ideal_s = f"{ideal:.2f}" if ideal else "-"
    cpu_ms = m["cpu"] / clauses * 1000
    if ideal and not note:
        ceiling = min(1.0, ideal / m["cpu"])
        note = f"CPU ceiling {ceiling:.2f} (ideal / CPU s: the best on one free core)"
    return (
        f"| {label} | {clauses} | {m['wall']:.2f} | {ideal_s} | {eff} | {cpu_ms:.2f} | "
        f"{m['runq']:.2f} | {m['rss_mb']:.0f} | {m['analysed']}/{m['failed']} | "
        f"{machine_load()}, steal {m.get('steal', 0) * 100:.0f}% | {note} |"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clauses", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.2, help="seconds per reply")
    parser.add_argument("--concurrency", type=int, nargs="+", default=[8, 32, 64])
    parser.add_argument("--baseline", type=int, default=100, help="clauses for the naive loop")
    parser.add_argument("--repeat", type=int, default=1, help="measurements per row")
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, base_url, clauses, concurrency = args.child
        if kind == "baseline":
            print(json.dumps(child_baseline(base_url, int(clauses))))
        elif kind == "bare":
            print(json.dumps(child_bare(base_url, int(clauses), int(concurrency))))
        else:
            print(json.dumps(child_pipeline(base_url, int(clauses), int(concurrency))))
        return

    from clauselens.testing.fake_api import FakeApi

    # The fake server runs in this process and stands in for a remote API: its full garbage
    # collections walk this process's imports (about 190,000 objects, 116 ms a collection)
    # and hold up every reply in flight, a pause no remote API imposes on the pipeline.
    gc.freeze()
    n, lat = args.clauses, args.latency
    print(f"SYNTHETIC clauses; fake API latency {lat * 1000:.0f} ms; {os.cpu_count()} CPUs")
    print(f"machine before: {machine_load()}")
    print(
        "| run | clauses | wall s | ideal s | efficiency | CPU ms/clause | run-queue wait s "
        "| peak RSS MB | valid/failed | machine after | note |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    with FakeApi(latency=lat) as slow:
        for concurrency in args.concurrency:
            for _ in range(args.repeat):
                m = measure("pipeline", slow.base_url, n, concurrency)
                ideal = math.ceil(n / concurrency) * lat
                note = (
                    f"{n * lat / concurrency / m['wall']:.2f} against clauses x latency / "
                    f"concurrency; CPU ceiling {min(1.0, ideal / m['cpu']):.2f} (ideal / CPU s)"
                )
                print(row(f"pipeline c={concurrency}", m, n, ideal, note), flush=True)
                slow.reset()
                bare = measure("bare", slow.base_url, n, concurrency)
                note = "floor: the fake server and this machine, no SDK, no store"
                print(row(f"bare aiohttp c={concurrency}", bare, n, ideal, note), flush=True)
                slow.reset()
        b = measure("baseline", slow.base_url, args.baseline)
        per = b["wall"] / args.baseline
        note = f"{per * 1000:.0f} ms/clause; {n} clauses extrapolated: {per * n:.0f} s"
        print(row("naive messages.parse loop", b, args.baseline, args.baseline * lat, note))
    with FakeApi(latency=0.0) as fast:
        for _ in range(args.repeat):
            server0 = time.process_time()
            m = measure("pipeline", fast.base_url, n, 64)
            server_ms = (time.process_time() - server0) / n * 1000
            note = (
                f"overhead {m['wall'] / n * 1000:.2f} ms/clause (wall / clauses); "
                f"fake server CPU {server_ms:.2f} ms/request"
            )
            print(row("pipeline c=64, latency 0", m, n, None, note), flush=True)
            fast.reset()


if __name__ == "__main__":
    main()
