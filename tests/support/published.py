"""A store with something to publish: the main job (offline analyzer) over ``fixtures/ota`` and
``fixtures/history``, so there are records of several platforms, modified, added and cosmetic
changes with their change analyses. Built once per test session and copied for each test that
needs it (copying a SQLite file is cheaper than a run)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from clauselens.config import load_settings
from clauselens.pipeline.runs.run import RunOptions, run
from clauselens.store import open_store
from clauselens.store import tables as t
from tests.support.paths import FIXTURES


def build_published_store(folder: Path) -> Path:
    """Run the main job over the fixtures into ``folder/store.db``; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "store.db"
    url = f"sqlite:///{db}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("CLAUSELENS_HOME", str(folder / "home"))
        settings = load_settings({"db_url": url})
        engine = open_store(url)
        try:
            for source in ("ota", "history"):
                run(engine, [FIXTURES / source], settings, RunOptions(analyzer="offline"))
        finally:
            engine.dispose()
    return db


def copy_store(template: Path, folder: Path, name: str = "published.db") -> sa.Engine:
    """An engine over a private copy (``folder/name``) of the store at ``template``."""
    db = folder / name
    shutil.copyfile(template, db)
    return open_store(f"sqlite:///{db}")


def analysis_pk_of(engine: sa.Engine, clause_sha256: str, analyzer: str) -> int:
    a = t.analyses.c
    with engine.connect() as conn:
        return int(
            conn.execute(
                sa.select(a.id).where(a.clause_sha256 == clause_sha256, a.analyzer == analyzer)
            ).scalar_one()
        )
