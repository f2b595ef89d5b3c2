"""A local fake of the Anthropic Messages API, for tests, benchmarks and offline integration checks.

It runs a Starlette app under uvicorn in a background thread on 127.0.0.1 (a free port unless
one is given) and answers ``POST /v1/messages``, ``POST /v1/messages/count_tokens`` and the
Message Batches endpoints the way the real API does, including its 400/401/404/413 refusals
(``_strict``: each rule cites the documentation page it comes from; model facts are read from
``data/models.json``). Its default answer is a synthetic, schema-valid analysis built from the
clause it receives and labelled as synthetic; ``script`` queues replies and faults. Nothing it
says is model output, and every response carries the header ``x-clauselens-fake: 1``.

The models think as documented (``_thinking``), as the real API does: a thinking block first,
whose tokens count toward ``max_tokens`` and ``output_tokens`` at each effort level, so a request
without room for thinking (``max_tokens`` 4096, no effort) ends long analyses in
``stop_reason: "max_tokens"``, as on the API. ``strict_thinking=False`` (or
``CLAUSELENS_FAKE_STRICT_THINKING=0`` for servers started without the argument) turns that off:
no thinking unless scripted, and ``max_tokens`` not applied to the synthetic text.
``expire_batches=True`` ends every batch request ``expired``.

    with FakeApi() as api:
        api.script("rate_limit", "ok")
        client = AsyncAnthropic(base_url=api.base_url, api_key="sk-ant-test")
        ...
        api.message_bodies()   # the JSON bodies of the /v1/messages requests received

From the command line: ``python -m clauselens.testing.fake_api [--port N] [--latency MS]
[--fault-rate F] [--seed S] [--no-strict-thinking] [--expire-batches]``, then
``ANTHROPIC_BASE_URL=<printed URL>``.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from types import TracebackType
from typing import Any

import uvicorn

from clauselens.testing.fake_api._app import (
    FAKE_HEADER,
    FakeState,
    RecordedRequest,
    as_reply,
)
from clauselens.testing.fake_api._asgi import build_app
from clauselens.testing.fake_api._replies import KINDS, RANDOM_FAULTS, Reply
from clauselens.testing.fake_api._strict import MAX_BATCH_BYTES
from clauselens.testing.fake_api._synthetic import SYNTHETIC

STRICT_THINKING_ENV = "CLAUSELENS_FAKE_STRICT_THINKING"

__all__ = [
    "FAKE_HEADER",
    "KINDS",
    "RANDOM_FAULTS",
    "STRICT_THINKING_ENV",
    "SYNTHETIC",
    "FakeApi",
    "RecordedRequest",
    "Reply",
]


class FakeApi:
    """The fake server, as a context manager (or ``start()`` / ``stop()``)."""

    def __init__(
        self,
        *,
        port: int = 0,
        latency: float = 0.0,
        fault_rate: float = 0.0,
        seed: int = 0,
        batch_polls: int = 1,
        strict_thinking: bool | None = None,
        expire_batches: bool = False,
        max_batch_bytes: int = MAX_BATCH_BYTES,
        log_level: str = "critical",
    ) -> None:
        """``latency`` in seconds before every reply; ``fault_rate`` the share of unscripted
        requests answered with a random fault (seeded by ``seed``); ``batch_polls`` how many
        retrievals a batch stays ``in_progress``; ``strict_thinking`` documented thinking
        (default on, see above); ``expire_batches`` every batch request ends ``expired``;
        ``max_batch_bytes`` the batch size limit (the documented 256 MB unless a test lowers
        it)."""
        self._state = FakeState(
            latency=latency,
            fault_rate=fault_rate,
            seed=seed,
            batch_polls=batch_polls,
            strict_thinking=(
                os.environ.get(STRICT_THINKING_ENV, "1") != "0"
                if strict_thinking is None
                else strict_thinking
            ),
            expire_batches=expire_batches,
            max_batch_bytes=max_batch_bytes,
        )
        self._port = port
        self._log_level = log_level
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``, the value for ``ANTHROPIC_BASE_URL``."""
        if not self._state.base_url:
            raise RuntimeError("the fake API is not started")
        return self._state.base_url

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received, in order (credential headers redacted)."""
        return self._state.requests

    def message_bodies(self) -> list[dict[str, Any]]:
        """The JSON bodies of the ``POST /v1/messages`` requests received, in order."""
        return [r.body for r in self.requests if r.path == "/v1/messages"]

    def script(self, *replies: Reply | str) -> None:
        """Queue replies (a ``Reply`` or a kind name) for the next requests, first in first out."""
        self._state.script.extend(as_reply(r) for r in replies)

    def reset(self) -> None:
        """Forget the script, the request log and the prompt cache."""
        self._state.script.clear()
        self._state.requests.clear()
        self._state.cache.clear()

    def start(self) -> FakeApi:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted sockets inherit TCP_NODELAY. asyncio sets it only on sockets whose proto is
        # IPPROTO_TCP (this one's is 0); without it, Nagle and the client's delayed ACK add
        # ~40 ms to every reply on a kept-alive connection.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(("127.0.0.1", self._port))
        port = sock.getsockname()[1]
        self._state.base_url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(
            build_app(self._state),
            log_level=self._log_level,
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True, name="fake-api"
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the fake API did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)
        self._server = self._thread = None

    def __enter__(self) -> FakeApi:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
