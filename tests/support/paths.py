"""Where the tests find their data: the repository's fixtures and the development corpus."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
CORPUS = Path(os.environ.get("CLAUSELENS_CORPUS", ROOT.parent / "shared" / "corpus"))


def corpus_path(*parts: str) -> Path:
    """A path inside ../shared/corpus; the test is skipped (with the reason) if it is absent."""
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs the development corpus at {path} (../shared is not present)")
    return path
