"""Analyzers: what turns a clause into an analysis (``claude`` or ``offline``).

``resolve`` turns the user's choice (``auto``, ``claude``, ``offline``) into an analyzer name and
the one line that says why; ``build`` makes the analyzer. ``auto`` is Claude when
``ANTHROPIC_API_KEY`` is set, otherwise the offline analyzer.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping

from clauselens.analyzers.backoff import Backoff
from clauselens.analyzers.base import Analyzer
from clauselens.config import Settings, api_key_present
from clauselens.errors import UsageError

CHOICES = ("auto", "claude", "offline")


def resolve(choice: str, env: Mapping[str, str] | None = None) -> tuple[str, str]:
    """The analyzer to use for ``choice`` and a one-line note saying which and why."""
    env = os.environ if env is None else env
    if choice not in CHOICES:
        raise UsageError(f"unknown analyzer {choice!r}: choose one of {', '.join(CHOICES)}")
    if choice == "auto":
        if api_key_present(env):
            return "claude", "analyzer: claude (ANTHROPIC_API_KEY is set)"
        return "offline", (
            "analyzer: offline (no ANTHROPIC_API_KEY; rule-based, low confidence, every "
            "analysis flagged for review)"
        )
    if choice == "claude" and not api_key_present(env):
        raise UsageError("--analyzer claude needs ANTHROPIC_API_KEY in the environment")
    return choice, f"analyzer: {choice}"


def _claude(settings: Settings, backoff: Backoff | None) -> Analyzer:
    from clauselens.analyzers.claude import ClaudeAnalyzer

    return ClaudeAnalyzer(settings, backoff=backoff)


def _offline(settings: Settings, backoff: Backoff | None) -> Analyzer:
    from clauselens.analyzers.offline import OfflineAnalyzer

    return OfflineAnalyzer()


_BUILDERS: dict[str, Callable[[Settings, Backoff | None], Analyzer]] = {
    "claude": _claude,
    "offline": _offline,
}


def build(name: str, settings: Settings, backoff: Backoff | None = None) -> Analyzer:
    """Make the analyzer called ``name`` (after ``resolve``)."""
    return _BUILDERS[name](settings, backoff)


__all__ = ["CHOICES", "Analyzer", "Backoff", "build", "resolve"]
