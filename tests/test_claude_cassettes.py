"""ClaudeAnalyzer replayed from recorded HTTP cassettes (vcrpy via pytest-recording).

The cassettes in ``tests/cassettes/test_claude_cassettes/`` were recorded by clauselens against
its fake Messages API and rewritten to ``https://api.anthropic.com``: their answers are
synthetic, not model output (see ``tests/cassettes/README.md``). Replay runs with the default
base URL and record mode ``none``, so a test that would reach the network fails instead.

Re-recording:
- against the fake server (every cassette):
  ``CLAUSELENS_RECORD_WITH_FAKE=1 pytest tests/test_claude_cassettes.py --record-mode=rewrite``
  then ``python tests/cassettes/rewrite_host.py``;
- with a real key (the valid-analysis cassette; the API cannot be made to refuse or rate-limit
  on demand): ``ANTHROPIC_API_KEY=... pytest tests/test_claude_cassettes.py -k valid
  --record-mode=rewrite``.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from clauselens.analyzers.base import ClauseInput
from clauselens.analyzers.claude import ClaudeAnalyzer
from clauselens.config import Settings
from clauselens.testing.fake_api import SYNTHETIC, FakeApi, Reply

CASSETTES = Path(__file__).parent / "cassettes"
WITH_FAKE = os.environ.get("CLAUSELENS_RECORD_WITH_FAKE") == "1"
_REAL_KEY = os.environ.get("ANTHROPIC_API_KEY")  # read before the autouse fixture clears it


@pytest.fixture(scope="module")
def vcr_config() -> dict[str, Any]:
    return {
        "filter_headers": ["authorization", "x-api-key"],
        "match_on": ["method", "path", "body"],
        "decode_compressed_response": True,
    }


@pytest.fixture
def recording(request: pytest.FixtureRequest) -> bool:
    return str(request.config.getoption("--record-mode")) not in ("none", "None")


@pytest.fixture
async def analyzer(
    settings: Settings,
    api_key: str,
    recording: bool,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
) -> AsyncIterator[ClaudeAnalyzer]:
    """The analyzer on the default base URL (replay), or on the fake server when recording."""
    base_url = None
    if recording and WITH_FAKE:
        base_url = request.getfixturevalue("fake_api").base_url
    elif recording and _REAL_KEY:
        monkeypatch.setenv("ANTHROPIC_API_KEY", _REAL_KEY)
    claude = ClaudeAnalyzer(
        settings.model_copy(
            update={"base_url": base_url, "retry_initial_wait": 0.01, "retry_max_backoff": 0.05}
        )
    )
    yield claude
    await claude.aclose()


def _script(request: pytest.FixtureRequest, *replies: Reply | str) -> None:
    """Queue replies on the fake server when recording against it; no-op on replay."""
    if WITH_FAKE and request.config.getoption("--record-mode") not in ("none", None):
        fake: FakeApi = request.getfixturevalue("fake_api")
        fake.script(*replies)


@pytest.mark.vcr
async def test_valid_analysis_replays(
    analyzer: ClaudeAnalyzer, high_risk_clause: ClauseInput, request: pytest.FixtureRequest
) -> None:
    """A recorded valid answer is stored with the recorded request id and usage."""
    result = await analyzer.analyze(high_risk_clause)
    assert result.status == "valid"
    assert result.provenance.request_id
    assert result.provenance.usage.output_tokens > 0
    assert 0 < result.provenance.usage.thinking_tokens < result.provenance.usage.output_tokens
    assert result.analysis is not None


@pytest.mark.vcr
async def test_reask_after_schema_invalid_answer_replays(
    analyzer: ClaudeAnalyzer, high_risk_clause: ClauseInput, request: pytest.FixtureRequest
) -> None:
    """A recorded schema-invalid answer, then the re-ask's valid answer."""
    _script(request, "schema_invalid", "ok")
    result = await analyzer.analyze(high_risk_clause)
    assert result.status == "valid"
    assert result.provenance.reasked
    assert result.provenance.failed_attempts[0].kind == "schema_invalid"
    assert result.analysis is not None
    assert SYNTHETIC in result.analysis.summary


@pytest.mark.vcr
async def test_refusal_replays_as_a_failure(
    analyzer: ClaudeAnalyzer, high_risk_clause: ClauseInput, request: pytest.FixtureRequest
) -> None:
    """Two recorded refusals never become a valid analysis."""
    _script(request, "refusal", "refusal")
    result = await analyzer.analyze(high_risk_clause)
    assert result.status == "failed"
    assert result.provenance.stop_reason == "refusal"
    assert [a.kind for a in result.provenance.failed_attempts] == ["refusal", "refusal"]
    assert "(category general_harms)" in result.provenance.failed_attempts[0].message


@pytest.mark.vcr
async def test_rate_limit_then_success_replays(
    analyzer: ClaudeAnalyzer, high_risk_clause: ClauseInput, request: pytest.FixtureRequest
) -> None:
    """A recorded 429 (retry-after: 1) is retried, then the recorded answer is stored."""
    _script(request, Reply(kind="rate_limit", retry_after=1), "ok")
    result = await analyzer.analyze(high_risk_clause)
    assert result.status == "valid"
    assert result.provenance.failed_attempts == []


def test_cassettes_hold_no_key_and_no_local_host(api_key: str) -> None:
    """No cassette contains an API key, a bearer token or the fake server's address."""
    files = list(CASSETTES.rglob("*.yaml"))
    assert len(files) >= 4
    for path in files:
        text = path.read_text("utf-8")
        assert api_key not in text
        assert "sk-ant-" not in text
        assert "Bearer" not in text
        assert "127.0.0.1" not in text
        assert "https://api.anthropic.com/v1/messages" in text
