"""The review web application: a Starlette app over the store, server-rendered with Jinja2.

``create_app`` wires the routes (``routes.py``), the templates (autoescaped, from the package),
the static files (CSS and JS shipped in the package: no external asset, works offline), the
security layers of ``csrf.py`` and the limit on wrong access tokens of ``throttle.py``.
``ServeConfig`` says who reviews and, when the server is reachable from other machines, the
access token that must be presented before anything else.

The similarity index behind the item page's "On other platforms" panel is held in memory
(``pipeline.similar.IndexHolder``): loaded from the store on first use, refreshed when the
store's fingerprint changes.
"""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from jinja2 import Environment
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from clauselens.review import PAGE_SIZE
from clauselens.similarity.provisions import IndexHolder
from clauselens.web.api import api_mount
from clauselens.web.csrf import (
    CSRFCookieMiddleware,
    SecurityHeadersMiddleware,
    TokenGateMiddleware,
)
from clauselens.web.feeds import changes_atom
from clauselens.web.pages import environment
from clauselens.web.record_routes import entity_page, record_page, records_home
from clauselens.web.routes import (
    approve_action,
    edit_action,
    item_page,
    login_page,
    pretty,
    queue_page,
    reject_action,
    undo_action,
)
from clauselens.web.throttle import Clock, FailedAttempts

STATIC = Path(__file__).parent / "static"
# Host headers as browsers send them: an IPv6 literal comes in brackets ("[::1]:8000"), and
# Starlette's TrustedHostMiddleware compares the host with its brackets.
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")


@dataclass(frozen=True)
class ServeConfig:
    """How the app serves.

    ``token``: when set, every page needs it first (set it whenever the bind address is not
    loopback). ``allowed_hosts``: the Host headers accepted (``None``: any); a loopback server
    accepts only loopback names, so a DNS-rebinding page cannot talk to it. ``page_size``: the
    analyses a queue page shows. ``token_attempts`` wrong tokens per client address within
    ``token_window`` seconds, then 429 (``throttle.FailedAttempts``). ``undo_seconds``: how
    long the page offers to undo an action.
    """

    reviewer: str
    token: str | None = None
    allowed_hosts: tuple[str, ...] | None = LOOPBACK_NAMES
    page_size: int = PAGE_SIZE
    token_attempts: int = 10
    token_window: float = 300.0
    undo_seconds: int = 10


def is_loopback(host: str) -> bool:
    """Whether binding to ``host`` keeps the server on this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def url_host(host: str) -> str:
    """``host`` as it is written in a URL and a Host header: IPv6 literals in brackets."""
    bare = host.strip("[]")
    try:
        is_v6 = ipaddress.ip_address(bare).version == 6
    except ValueError:
        return host
    return f"[{bare}]" if is_v6 else bare


def loopback_hosts(host: str) -> tuple[str, ...]:
    """The Host headers a server bound to the loopback address ``host`` accepts: the usual
    loopback names and the one it was bound to (``127.0.0.2``, ``[::1]``)."""
    return tuple(dict.fromkeys([*LOOPBACK_NAMES, url_host(host).lower()]))


def templates() -> Environment:
    """The review page's templates: the record pages' environment (``pages.environment``)
    with the review page's filters."""
    env = environment()
    env.filters["pretty"] = pretty
    return env


def create_app(
    engine: sa.Engine, config: ServeConfig, *, clock: Clock = time.monotonic
) -> Starlette:
    """The review app over ``engine``; ``clock`` (seconds) times the limit on wrong tokens."""
    attempts = FailedAttempts(config.token_attempts, config.token_window, clock=clock)
    middleware = [Middleware(SecurityHeadersMiddleware)]
    if config.allowed_hosts is not None:
        middleware.append(
            Middleware(TrustedHostMiddleware, allowed_hosts=list(config.allowed_hosts))
        )
    middleware.append(Middleware(CSRFCookieMiddleware))
    if config.token:
        middleware.append(Middleware(TokenGateMiddleware, token=config.token, attempts=attempts))
    app = Starlette(
        routes=[
            Route("/", queue_page),
            Route("/item/{pk}", item_page),
            Route("/item/{pk}/approve", approve_action, methods=["POST"]),
            Route("/item/{pk}/edit", edit_action, methods=["POST"]),
            Route("/item/{pk}/reject", reject_action, methods=["POST"]),
            Route("/item/{pk}/undo", undo_action, methods=["POST"]),
            Route("/login", login_page, methods=["GET", "POST"]),
            api_mount(),
            Route("/feeds/changes.atom", changes_atom),
            Route("/records/", records_home),
            Route("/records/entity/{slug}", entity_page),
            Route("/records/{record_id}", record_page),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        middleware=middleware,
    )
    app.state.engine = engine
    app.state.config = config
    app.state.attempts = attempts
    app.state.templates = templates()
    app.state.similarity = IndexHolder(engine)
    return app
