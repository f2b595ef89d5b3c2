"""Benchmark: the publishing outputs against the JSON export of the same store, same run.

Usage: PYTHONPATH=src python bench/publishing.py [--workdir DIR] [--repeat 3]

Data: the main job (offline analyzer) over ``fixtures/ota`` and ``fixtures/history`` (real
policies, Open Terms Archive contributors, ODC-By 1.0): five platforms, seven documents,
~180 records, ~20 substantive changes.

Method: each output is timed ``--repeat`` times (best kept) in this process, the similarity
index warm. The baseline is ``write_export(json)`` with the similarity stage on: every other
line is a ratio to it. ``site`` writes every record page and index; ``record page`` and
``API records page`` are one request each through Starlette's TestClient (50 records a page);
``feed`` is the Atom feed of every substantive change; ``digest`` the HTML digest of all time.
"""

from __future__ import annotations

import argparse
import io
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa
from starlette.testclient import TestClient

from clauselens.config import load_settings
from clauselens.export import iter_records, write_export
from clauselens.export.changes import ChangeFilters
from clauselens.export.digest import build_digest, render_html
from clauselens.export.feed import changes_feed, static_record_link
from clauselens.pipeline.runs.run import RunOptions, run
from clauselens.store import open_store
from clauselens.web import ServeConfig, create_app
from clauselens.web.site import write_site

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def build(workdir: Path) -> sa.Engine:
    url = f"sqlite:///{workdir / 'bench.db'}"
    engine = open_store(url)
    settings = load_settings({"db_url": url})
    for source in ("ota", "history"):
        run(engine, [FIXTURES / source], settings, RunOptions(analyzer="offline"))
    return engine


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="clauselens-bench-"))
    engine = build(workdir)
    records = sum(1 for _ in iter_records(engine, cross_platform=False))
    client = TestClient(
        create_app(engine, ServeConfig(reviewer="bench")), base_url="http://127.0.0.1:8000"
    )

    def get(path: str) -> None:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)

    record_id = next(iter_records(engine, cross_platform=False)).record_id
    get(f"/records/{record_id}")  # warms the app's similarity index
    counter = iter(range(10_000))

    cases: list[tuple[str, Callable[[], object]]] = [
        ("export json (baseline)", lambda: write_export(engine, "json", io.BytesIO())),
        ("site (every page)", lambda: write_site(engine, workdir / f"site{next(counter)}")),
        ("record page", lambda: get(f"/records/{record_id}")),
        ("API records page (50)", lambda: get("/api/v1/records?limit=50")),
        (
            "feed (all changes)",
            lambda: changes_feed(
                engine, ChangeFilters.of(), record_link=static_record_link(None), limit=1000
            ),
        ),
        ("digest html", lambda: render_html(build_digest(engine, "2000-01-01"))),
    ]
    results = [(name, best(fn, args.repeat)) for name, fn in cases]
    baseline = results[0][1]
    print(f"store: {records} records, {workdir}")
    print(f"{'output':<26}{'seconds':>10}{'x baseline':>12}")
    for name, seconds in results:
        print(f"{name:<26}{seconds:>10.3f}{seconds / baseline:>12.2f}")


if __name__ == "__main__":
    main()
