"""What a Claude request asks for besides the prompt: effort, ``max_tokens`` and the timeouts,
chosen from the settings and the model facts (``data/models.json`` via ``model_facts``).

Effort (https://platform.claude.com/docs/en/build-with-claude/effort): ``output_config.effort``
is sent explicitly on every model that supports it. clauselens' default is ``medium``:

- a clause analysis is a bounded reading task (one provision, a fixed schema, quotes that must
  come from the text), the case the effort page describes for ``medium``: a balance of quality
  against cost and latency; ``high`` is for complex reasoning and agentic work;
- the 5.5 models think adaptively, and thinking tokens are billed as output and count toward
  ``max_tokens`` (https://platform.claude.com/docs/en/build-with-claude/adaptive-thinking):
  Sonnet 5.5's own default, ``high``, would spend them on every clause of a corpus;
- ``medium`` is already the documented default of Opus 5.5 and Haiku 5.5 (data/models.json),
  so the request states what those models would do and makes Sonnet 5.5 do the same.

A model whose facts list no ``medium`` gets its own default effort; one that supports no effort
(``efforts == []``, e.g. Haiku 4.5: "Not supported" on the models overview) gets no effort
field; an unknown model (not in the file) or one whose levels are not documented
(``efforts is None``) gets ``medium`` unchecked, and the API decides. An explicit effort
(``--effort``, ``CLAUSELENS_EFFORT``) the model's facts do not list is a ``ConfigError``.

Thinking itself is never configured: the 5.5 models think adaptively by default, and
``thinking: {"type": "disabled"}`` is a 400 on Sonnet and Opus 5.5 (models.json ``refuses``).
No sampling parameter (temperature, top_p, top_k) is ever sent: a 400 on the 5.5 models.
"""

from __future__ import annotations

import anthropic

from clauselens.config import Settings
from clauselens.errors import ConfigError
from clauselens.models import ModelFacts, load_models

DEFAULT_EFFORT = "medium"  # see the module docstring
# clauselens sends non-streaming requests. The SDK refuses (without an explicit timeout) a
# non-streaming request expected to take over ten minutes, estimating 3,600 s per 128,000
# max_tokens (anthropic 2.15 ``_calculate_nonstreaming_timeout``; the docs: "Streaming is required
# for operations that may take longer than 10 minutes",
# https://platform.claude.com/docs/en/cli-sdks-libraries/sdks/python#long-requests, and the 504
# ``timeout_error`` "Consider using streaming for long-running requests",
# https://platform.claude.com/docs/en/api/errors). We set the timeout ourselves, so we keep to
# that bound ourselves: 128,000 x 600 / 3,600.
NON_STREAMING_MAX_TOKENS = 128_000 * 600 // 3_600


def _facts(model: str) -> ModelFacts | None:
    return load_models().find(model)


def request_effort(model: str, effort: str | None) -> str | None:
    """The ``output_config.effort`` to send to ``model`` (None: send none).

    Raises ConfigError for an explicit effort the model's facts do not list."""
    facts = _facts(model)
    if effort is not None:
        if facts is not None and facts.efforts is not None and effort not in facts.efforts:
            levels = ", ".join(facts.efforts) or "none (the model takes no effort parameter)"
            raise ConfigError(
                f"effort {effort!r} is not supported by {facts.id}: supported levels {levels} "
                f"(data/models.json, checked {facts.checked.isoformat()})"
            )
        return effort
    if facts is None or facts.efforts is None:
        return DEFAULT_EFFORT
    if DEFAULT_EFFORT in facts.efforts:
        return DEFAULT_EFFORT
    return facts.default_effort if facts.efforts else None


def request_max_tokens(model: str, max_tokens: int) -> int:
    """``max_tokens`` capped at the model's maximum output (the API refuses more)."""
    facts = _facts(model)
    return min(max_tokens, facts.max_output_tokens) if facts is not None else max_tokens


def client_timeout(settings: Settings) -> anthropic.Timeout:
    """The client's timeouts: ``request_timeout`` to read (10 minutes by default, the SDK's
    ``DEFAULT_TIMEOUT``), ``connect_timeout`` to connect (the SDK's 5 s).

    Set explicitly, so the SDK does not apply its own non-streaming guard (it raises for a
    ``max_tokens`` expected to take over ten minutes when the client keeps the default timeout);
    ``Settings.max_tokens_retry`` stays under that bound instead
    (https://platform.claude.com/docs/en/cli-sdks-libraries/sdks/python#long-requests).
    """
    return anthropic.Timeout(settings.request_timeout, connect=settings.connect_timeout)


def validate_request_settings(settings: Settings) -> None:
    """Fail at once (ConfigError) on settings no request could satisfy: an effort the model does
    not support, or a ``max_tokens`` past what a non-streaming request may ask for."""
    request_effort(settings.model, settings.effort)
    for name in ("max_tokens", "max_tokens_retry"):
        asked = request_max_tokens(settings.model, getattr(settings, name))
        if asked > NON_STREAMING_MAX_TOKENS:
            raise ConfigError(
                f"{name} {asked:,} is over {NON_STREAMING_MAX_TOKENS:,}, the most a non-streaming "
                "request may ask for within the SDK's ten minutes (clauselens does not stream)"
            )
