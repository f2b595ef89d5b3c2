"""The synchronous entry points (``run``, ``resume_run``, ``analyze_document``) call
``asyncio.run``, which cannot work inside a running event loop (a notebook, an async app).
They check first, before any side effect, and name the async function to await instead."""

from __future__ import annotations

import asyncio

from clauselens.errors import UsageError


def no_running_loop(name: str, async_name: str) -> None:
    """Raise ``UsageError`` when called inside a running event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise UsageError(
        f"{name}() cannot run inside a running event loop (a notebook?): "
        f"use await clauselens.{async_name}(...)"
    )
