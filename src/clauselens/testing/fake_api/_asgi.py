"""The fake's ASGI application: the Messages and Message Batches routes, and the header that
identifies every response as the fake's."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from clauselens.testing.fake_api._app import FAKE_HEADER, FakeState, count_tokens, messages
from clauselens.testing.fake_api._batches import BATCH_ROUTES


class _IdentifyMiddleware:
    """Adds ``x-clauselens-fake: 1`` to every response (pure ASGI: no per-request overhead)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_identified(message: Any) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                if FAKE_HEADER[0].encode() not in names:
                    message["headers"] = [
                        *message.get("headers", []),
                        (FAKE_HEADER[0].encode(), FAKE_HEADER[1].encode()),
                    ]
            await send(message)

        await self.app(scope, receive, send_identified)


def build_app(state: FakeState) -> Starlette:
    app = Starlette(
        routes=[
            Route("/v1/messages", messages, methods=["POST"]),
            Route("/v1/messages/count_tokens", count_tokens, methods=["POST"]),
            *BATCH_ROUTES,
        ],
        middleware=[Middleware(_IdentifyMiddleware)],
    )
    app.state.fake = state
    return app
