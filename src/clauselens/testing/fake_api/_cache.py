"""Simulated prompt caching: remembers prefixes ending at ``cache_control`` breakpoints.

The prefix order is the API's: tools, system, messages, with the model and the output
format first (changing the output schema invalidates the cache, as it does on the API). Tokens are
estimated as characters / 4. A prefix shorter than the model's minimum cacheable length is not
cached (no error, as on the API). Entries do not expire.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from clauselens.testing.fake_api._synthetic import block_text, estimate_tokens

DEFAULT_MIN_TOKENS = 1024
MIN_TOKENS: dict[str, int] = {"claude-haiku-4-5": 4096}


def min_cacheable(model: str) -> int:
    if model.endswith("-5-5"):
        return 512
    return MIN_TOKENS.get(model, DEFAULT_MIN_TOKENS)


def _segments(request: Mapping[str, Any]) -> list[tuple[str, bool]]:
    head = json.dumps(
        [request.get("model"), request.get("tools"), request.get("output_config")], sort_keys=True
    )
    segments: list[tuple[str, bool]] = [(head, False)]
    system = request.get("system")
    for block in system if isinstance(system, list) else [system or ""]:
        segments.append((block_text(block), isinstance(block, dict) and "cache_control" in block))
    for message in request.get("messages") or []:
        content = message.get("content")
        for block in content if isinstance(content, list) else [content]:
            flagged = isinstance(block, dict) and "cache_control" in block
            segments.append((f"{message.get('role')}:{block_text(block)}", flagged))
    return segments


class PromptCache:
    """What the fake has cached, and the usage a request gets from it."""

    def __init__(self) -> None:
        self._entries: set[str] = set()

    def clear(self) -> None:
        self._entries.clear()

    def usage(self, request: Mapping[str, Any], *, record: bool = True) -> dict[str, int]:
        """``input_tokens``, ``cache_creation_input_tokens``, ``cache_read_input_tokens``.

        ``record=False`` (token counting) reports without caching anything.
        """
        digest = hashlib.sha256()
        tokens = 0
        breakpoints: list[tuple[str, int]] = []
        for text, flagged in _segments(request):
            digest.update(text.encode("utf-8") + b"\0")
            tokens += estimate_tokens(text)
            if flagged:
                breakpoints.append((digest.hexdigest(), tokens))
        minimum = min_cacheable(str(request.get("model")))
        eligible = [(key, n) for key, n in breakpoints if n >= minimum]
        read = max((n for key, n in eligible if key in self._entries), default=0)
        write = max((n for _, n in eligible), default=0) - read
        if record:
            self._entries.update(key for key, _ in eligible)
        return {
            "input_tokens": tokens - read - write,
            "cache_creation_input_tokens": write,
            "cache_read_input_tokens": read,
        }
