"""Simulated prompt caching: remembers prefixes ending at ``cache_control`` breakpoints.

The prefix order is the API's: tools, system, messages, with the model and the output
format first (changing the output schema invalidates the cache, as it does on the API). Tokens are
estimated as characters / 4. A prefix shorter than the model's minimum cacheable length is not
cached (no error, as on the API). Entries do not expire.

Usage follows https://platform.claude.com/docs/en/build-with-claude/prompt-caching ("Tracking
cache performance"): ``cache_creation_input_tokens``, ``cache_read_input_tokens`` and the
``cache_creation`` breakdown by TTL (``ephemeral_5m_input_tokens``, ``ephemeral_1h_input_tokens``);
the tokens written up to a breakpoint count under that breakpoint's ``ttl`` ("5m" unless "1h").
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from clauselens.models import min_cacheable_tokens
from clauselens.testing.fake_api._synthetic import block_text, estimate_tokens


def min_cacheable(model: str) -> int:
    """The shortest cacheable prefix, from the model facts (``clauselens.models``)."""
    return min_cacheable_tokens(model)


def _ttl(block: Any) -> str | None:
    """The block's cache TTL ("5m" or "1h"), or None when it is not a breakpoint."""
    if not isinstance(block, dict) or not block.get("cache_control"):
        return None
    return "1h" if block["cache_control"].get("ttl") == "1h" else "5m"


def _segments(request: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    head = json.dumps(
        [request.get("model"), request.get("tools"), request.get("output_config")], sort_keys=True
    )
    segments: list[tuple[str, str | None]] = [(head, None)]
    system = request.get("system")
    for block in system if isinstance(system, list) else [system or ""]:
        segments.append((block_text(block), _ttl(block)))
    for message in request.get("messages") or []:
        content = message.get("content")
        for block in content if isinstance(content, list) else [content]:
            segments.append((f"{message.get('role')}:{block_text(block)}", _ttl(block)))
    return segments


class PromptCache:
    """What the fake has cached, and the usage a request gets from it."""

    def __init__(self) -> None:
        self._entries: set[str] = set()

    def clear(self) -> None:
        self._entries.clear()

    def usage(self, request: Mapping[str, Any], *, record: bool = True) -> dict[str, Any]:
        """``input_tokens``, ``cache_creation_input_tokens``, ``cache_read_input_tokens`` and
        ``cache_creation`` (the write split by TTL).

        ``record=False`` (token counting) reports without caching anything.
        """
        digest = hashlib.sha256()
        tokens = 0
        breakpoints: list[tuple[str, int, str]] = []
        for text, ttl in _segments(request):
            digest.update(text.encode("utf-8") + b"\0")
            tokens += estimate_tokens(text)
            if ttl is not None:
                breakpoints.append((digest.hexdigest(), tokens, ttl))
        minimum = min_cacheable(str(request.get("model")))
        eligible = [(key, n, ttl) for key, n, ttl in breakpoints if n >= minimum]
        read = max((n for key, n, _ in eligible if key in self._entries), default=0)
        by_ttl = {"5m": 0, "1h": 0}
        done = read
        for _, n, ttl in eligible:
            if n > done:
                by_ttl[ttl] += n - done
                done = n
        write = by_ttl["5m"] + by_ttl["1h"]
        if record:
            self._entries.update(key for key, _, _ in eligible)
        return {
            "input_tokens": tokens - read - write,
            "cache_creation_input_tokens": write,
            "cache_read_input_tokens": read,
            "cache_creation": {
                "ephemeral_5m_input_tokens": by_ttl["5m"],
                "ephemeral_1h_input_tokens": by_ttl["1h"],
            },
        }
