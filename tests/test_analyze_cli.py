"""``clauselens analyze``: one document through the real SDK against the fake API server."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from click.testing import CliRunner

from clauselens.cli import main
from clauselens.pipeline.segment.clauses import segment
from clauselens.testing.fake_api import FakeApi
from tests.support.paths import FIXTURES

AUP = FIXTURES / "ota" / "current" / "claude-ai" / "acceptable-use-policy.md"
META = ["--entity", "Claude.ai", "--title", "Usage Policy"]


@pytest.fixture
def claude_env(fake_api: FakeApi, api_key: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_api.base_url)
    return api_key


def test_analyze_stores_every_clause_with_provenance(claude_env: str, db_url: str) -> None:
    result = CliRunner().invoke(main, ["--db", db_url, "analyze", str(AUP), *META, "--json"])
    assert result.exit_code == 0, result.output
    clauses = json.loads(result.stdout)
    assert clauses
    for clause in clauses:
        assert clause["status"] == "valid"
        provenance = clause["provenance"]
        assert provenance["analyzer"] == "claude"
        assert provenance["model"] == "claude-sonnet-5-5"
        assert provenance["request_id"]
        assert provenance["prompt_version"]


def test_one_clause_by_index_and_by_document_name(
    claude_env: str, db_url: str, fake_api: FakeApi
) -> None:
    runner = CliRunner()
    (index,) = [
        c.index
        for c in segment(AUP.read_text("utf-8"))
        if list(c.heading_path)[-1:] == ["High-Risk Use Case Requirements"]
    ]
    first = runner.invoke(
        main, ["--db", db_url, "analyze", str(AUP), *META, "--clause", str(index)]
    )
    assert first.exit_code == 0, first.output
    assert len(fake_api.message_bodies()) == 1
    assert "High-Risk Use Case Requirements" in first.output
    again = runner.invoke(main, ["--db", db_url, "analyze", "claude.ai/usage policy", "--json"])
    assert again.exit_code == 0, again.output
    assert len(json.loads(again.stdout)) == len(fake_api.message_bodies())  # the clause not re-sent


def test_unknown_document_is_a_usage_error(db_url: str) -> None:
    result = CliRunner().invoke(main, ["--db", db_url, "analyze", "no such document"])
    assert result.exit_code == 2
    assert "no document matches" in result.output


def test_the_api_key_appears_in_no_store_log_or_output(
    claude_env: str, db_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    result = CliRunner().invoke(main, ["--db", db_url, "-vv", "analyze", str(AUP), *META, "--json"])
    assert result.exit_code == 0, result.output
    store_bytes = b"".join(p.read_bytes() for p in tmp_path.glob("store.db*"))
    assert store_bytes
    assert claude_env.encode() not in store_bytes
    assert claude_env not in result.output
    assert claude_env not in caplog.text
