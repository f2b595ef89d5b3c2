"""Shared test fixtures. Each test runs with a temporary home and store and no API key."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from clauselens.config import Settings, load_settings
from clauselens.store import open_store

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
CORPUS = Path(os.environ.get("CLAUSELENS_CORPUS", ROOT.parent / "shared" / "corpus"))


def corpus_path(*parts: str) -> Path:
    """A path inside ../shared/corpus; the test is skipped (with the reason) if it is absent."""
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs the development corpus at {path} (../shared is not present)")
    return path


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the user's home, store, key or base URL."""
    monkeypatch.setenv("CLAUSELENS_HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    for var in ("CLAUSELENS_DB", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "CLAUSELENS_MODEL"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'store.db'}"


@pytest.fixture
def settings(db_url: str) -> Settings:
    return load_settings({"db_url": db_url})


@pytest.fixture
def engine(settings: Settings) -> Iterator[sa.Engine]:
    eng = open_store(settings.db_url)
    yield eng
    eng.dispose()
