"""Benchmark: syncing a whole Open Terms Archive versions repository, beside reading it raw.

Usage: python bench/sync.py [BUNDLE]   (default: ../shared/corpus/ota-git/genai-eu-versions.bundle;
                                        fixtures/ota-git/genai-eu-sample.bundle when it is absent)

Method. The bundle is cloned into a temporary folder. Each measurement runs in a fresh child
process with a fresh store, so its peak RSS (``ru_maxrss``) is its own:

- ``baseline``: raw reading, no store: ``git log --name-status`` then ``git show COMMIT:PATH`` of
  every file every commit touched (one process per file: what a script would do);
- ``reader``: clauselens' own reading alone (``gitlog.commits`` + ``gitlog.Blobs``), no store;
- ``sync half``: ``sync`` up to the commit half-way through the history;
- ``sync whole``: ``sync`` of the whole history (ingest, segment, align, changes);
- ``nothing new``: a second ``sync`` of the whole history on that store.

Memory is flat in the number of commits when the whole sync's peak RSS is close to the half's
(ratio printed). Also printed: the counts the whole sync finds (documents, versions, technical
upgrades, changes by class: substantive = added + removed + modified, not technical).
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "corpus" / "ota-git" / "genai-eu-versions.bundle"
SAMPLE = ROOT / "fixtures" / "ota-git" / "genai-eu-sample.bundle"


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], capture_output=True, text=True, check=True
    ).stdout


def baseline(repo: Path) -> dict[str, Any]:
    log = _git(repo, "log", "--reverse", "--format=@%H", "--name-status", "--no-renames")
    commit, read, files = "", 0, 0
    for line in log.splitlines():
        if line.startswith("@"):
            commit = line[1:]
        elif line[:1] in "AM" and "\t" in line:
            path = line.split("\t", 1)[1]
            read += len(
                subprocess.run(
                    ["git", "-C", str(repo), "show", f"{commit}:{path}"],
                    capture_output=True,
                    check=True,
                ).stdout
            )
            files += 1
    return {"files": files, "bytes": read}


def reader(repo: Path) -> dict[str, Any]:
    from clauselens.pipeline.ingest.ota import gitlog

    files = read = 0
    with gitlog.Blobs(repo) as blobs:
        for commit in gitlog.commits(repo, ["HEAD"]):
            for change in commit.changes:
                if change.status != "D":
                    data = blobs.read(change.blob, 1 << 40)
                    read += len(data) if isinstance(data, bytes) else 0
                    files += 1
    return {"files": files, "bytes": read}


def do_sync(repo: Path, db: Path, ref: str) -> dict[str, Any]:
    from clauselens.config import load_settings
    from clauselens.pipeline.ingest.ota.sync import SyncOptions, sync
    from clauselens.store import open_store

    settings = load_settings({"db_url": f"sqlite:///{db}"}, env={})
    engine = open_store(settings.db_url)
    report = sync(engine, repo, settings, SyncOptions(ref=ref))
    out = {
        "commits": report.commits,
        "new_versions": report.outcomes["new_version"],
        "failed": len(report.failed),
    }
    engine.dispose()
    return out


def child(kind: str, repo: Path, db: Path, ref: str) -> None:
    began = time.perf_counter()
    jobs = {
        "baseline": lambda: baseline(repo),
        "reader": lambda: reader(repo),
        "sync": lambda: do_sync(repo, db, ref),
    }
    result = jobs[kind]()
    result["seconds"] = time.perf_counter() - began
    result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def measure(kind: str, repo: Path, db: Path, ref: str = "HEAD") -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(repo), str(db), ref],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def counts(db: Path) -> dict[str, int]:
    import sqlalchemy as sa

    engine = sa.create_engine(f"sqlite:///{db}")
    queries = {
        "documents": "SELECT count(*) FROM documents",
        "versions": "SELECT count(*) FROM versions",
        "technical upgrade versions": "SELECT count(*) FROM versions v JOIN captures c "
        "ON c.id = v.capture_pk WHERE c.change_reason IS NOT NULL",
        "cosmetic (technical)": "SELECT count(*) FROM changes WHERE change_class = 'cosmetic' "
        "AND relation = 'technical'",
        "cosmetic (other)": "SELECT count(*) FROM changes WHERE change_class = 'cosmetic' "
        "AND coalesce(relation, '') != 'technical'",
        "added/removed in technical upgrades": "SELECT count(*) FROM changes WHERE "
        "change_class IN ('added', 'removed') AND relation = 'technical'",
        "substantive (added, removed, modified)": "SELECT count(*) FROM changes WHERE change_class "
        "IN ('added', 'removed', 'modified') AND coalesce(relation, '') != 'technical'",
        "moved": "SELECT count(*) FROM changes WHERE change_class = 'moved'",
    }
    with engine.connect() as conn:
        out = {k: int(conn.exec_driver_sql(q).scalar_one()) for k, q in queries.items()}
    engine.dispose()
    return out


def main(bundle: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "versions"
        subprocess.run(["git", "clone", "-q", "-b", "main", str(bundle), str(repo)], check=True)
        total = int(_git(repo, "rev-list", "--count", "HEAD"))
        mid = _git(repo, "rev-list", "--reverse", "HEAD").split()[total // 2]
        db_half, db = Path(tmp) / "half.db", Path(tmp) / "whole.db"
        rows = {
            "baseline (git log + git show)": measure("baseline", repo, db),
            "reader (git log + cat-file)": measure("reader", repo, db),
            "sync half": measure("sync", repo, db_half, mid),
            "sync whole": measure("sync", repo, db),
            "nothing new": measure("sync", repo, db),
        }
        print(f"bundle: {bundle.name}, {total} commits")
        print(f"{'measure':<32}{'seconds':>9}{'commits/s':>11}{'peak RSS MB':>13}")
        for name, row in rows.items():
            commits = row.get("commits", total)
            rate = commits / row["seconds"] if row["seconds"] and commits else 0.0
            print(f"{name:<32}{row['seconds']:>9.2f}{rate:>11.1f}{row['peak_rss_mb']:>13.1f}")
        whole, half = rows["sync whole"], rows["sync half"]
        base = rows["baseline (git log + git show)"]
        print(f"sync whole / baseline time: {whole['seconds'] / base['seconds']:.1f}x")
        read = rows["reader (git log + cat-file)"]
        print(f"reader / baseline time: {read['seconds'] / base['seconds']:.2f}x")
        print(f"peak RSS whole / half: {whole['peak_rss_mb'] / half['peak_rss_mb']:.2f} (flat: ~1)")
        print(f"sync whole: {whole['new_versions']} new versions, {whole['failed']} failed")
        for name, value in counts(db).items():
            print(f"  {name}: {value}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]), sys.argv[5])
    else:
        main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT if DEFAULT.exists() else SAMPLE)
