"""Live tests: one clause, one change and a one-request batch against the real Messages API.

They are billed (a few cents on the default model) and run only when asked for:
``ANTHROPIC_API_KEY=sk-ant-... pytest -m live``. Without ``-m live``, without a key, or with the
tests' fake key, each is skipped with the reason, so the default ``pytest`` (and CI, which has
no key) never reaches the network. ``ANTHROPIC_BASE_URL`` is ignored: these are for the real
API. ``CLAUSELENS_LIVE_MODEL`` picks the model (default: the configured default);
``CLAUSELENS_LIVE_BATCH_WAIT`` bounds the batch wait in seconds (default 3600: most batches
end within an hour, https://platform.claude.com/docs/en/build-with-claude/batch-processing).

The sample clause is the one ``clauselens check`` uses (``data/check_sample.json``, real text).
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator

import anthropic
import pytest

from clauselens.analyzers.base import ClauseInput
from clauselens.analyzers.claude import ClaudeAnalyzer
from clauselens.config import Settings
from clauselens.pipeline.runs.check import load_sample
from clauselens.pipeline.runs.counting import analyzer_request
from clauselens.schemas.validate import validate_analysis
from clauselens.testing.fake_api import SYNTHETIC
from tests.support.keys import FAKE_API_KEY

pytestmark = pytest.mark.live

_KEY = os.environ.get("ANTHROPIC_API_KEY", "")  # read before the autouse fixture clears it
_MODEL = os.environ.get("CLAUSELENS_LIVE_MODEL")
_BATCH_WAIT = float(os.environ.get("CLAUSELENS_LIVE_BATCH_WAIT", "3600"))
_POLL = 20.0


@pytest.fixture
def live_settings(
    request: pytest.FixtureRequest, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """Settings for the real API, with the real key back in the environment; else a skip."""
    if "live" not in str(request.config.getoption("-m") or ""):
        pytest.skip("live test: billed, runs only with `pytest -m live`")
    if not _KEY.strip():
        pytest.skip("live test: ANTHROPIC_API_KEY is not set")
    if _KEY == FAKE_API_KEY or _KEY.startswith("fake-"):
        pytest.skip("live test: ANTHROPIC_API_KEY is the tests' fake key")
    monkeypatch.setenv("ANTHROPIC_API_KEY", _KEY)
    monkeypatch.delenv("ANTHROPIC_BASE_URL", raising=False)
    return settings.model_copy(update={"base_url": None, "model": _MODEL or settings.model})


@pytest.fixture
def sample(live_settings: Settings) -> ClauseInput:
    return load_sample(live_settings)


@pytest.fixture
async def analyzer(live_settings: Settings) -> AsyncIterator[ClaudeAnalyzer]:
    claude = ClaudeAnalyzer(live_settings)
    yield claude
    await claude.aclose()


async def test_one_clause_is_analysed_by_claude(
    analyzer: ClaudeAnalyzer, sample: ClauseInput
) -> None:
    """A real clause comes back valid, with a request id, usage, cost, and no synthetic label."""
    result = await analyzer.analyze(sample)
    assert result.status == "valid", result.error
    assert result.analysis is not None
    assert SYNTHETIC not in result.analysis.summary
    p = result.provenance
    assert p.request_id
    assert p.request_id.startswith("req_")
    assert p.stop_reason == "end_turn"
    assert p.usage.output_tokens > 0
    assert p.cost_usd > 0


async def test_one_change_is_analysed_by_claude(
    analyzer: ClaudeAnalyzer, sample: ClauseInput
) -> None:
    """A modal verb weakened in the real clause ("must review" -> "may review") is analysed."""
    old = sample.text
    assert "must review" in old
    new = old.replace("must review", "may review", 1)
    result = await analyzer.analyze_change(old, new, None, sample.document, sample.heading_path)
    assert result.status == "valid", result.error
    assert result.analysis is not None
    assert result.provenance.usage.output_tokens > 0


def test_a_one_request_batch_ends_with_a_valid_analysis(
    live_settings: Settings, sample: ClauseInput
) -> None:
    """A batch of the sample's request (as the batches mode builds it) succeeds and its answer
    passes validation."""
    client = anthropic.Anthropic()
    params = analyzer_request(live_settings, sample)
    batch = client.messages.batches.create(
        requests=[{"custom_id": "clauselens-live-1", "params": params}]  # type: ignore[typeddict-item]
    )
    deadline = time.monotonic() + _BATCH_WAIT
    while batch.processing_status != "ended":
        if time.monotonic() > deadline:
            client.messages.batches.cancel(batch.id)
            pytest.fail(f"batch {batch.id} did not end within {_BATCH_WAIT:.0f} s (cancelled)")
        time.sleep(_POLL)
        batch = client.messages.batches.retrieve(batch.id)
    (entry,) = list(client.messages.batches.results(batch.id))
    assert entry.custom_id == "clauselens-live-1"
    assert entry.result.type == "succeeded", entry.result
    message = entry.result.message
    text = "".join(block.text for block in message.content if block.type == "text")
    analysis = validate_analysis(text, sample.text, sample.truncated)
    assert SYNTHETIC not in analysis.summary
