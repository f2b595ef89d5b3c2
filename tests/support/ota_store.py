"""A store built by an offline run over ``fixtures/ota``, shared by the similarity tests."""

from __future__ import annotations

from pathlib import Path

from clauselens.config import load_settings
from clauselens.pipeline.runs.run import RunOptions, run
from clauselens.store import open_store

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
OTA_MANIFEST = FIXTURES / "ota" / "manifest.jsonl"


def run_offline(db_url: str, manifest: Path, home: Path) -> None:
    """An offline run of ``manifest`` into the store at ``db_url``; the fixtures folder is an
    allowed root (a test's manifest in a temporary folder names the fixture files)."""
    values = {"db_url": db_url, "home": str(home), "allow_roots": (FIXTURES,)}
    settings = load_settings(values, env={})
    engine = open_store(settings.db_url)
    try:
        summary = run(engine, [manifest], settings, RunOptions(analyzer="offline"), env={})
        assert summary.status == "succeeded", summary
    finally:
        engine.dispose()
