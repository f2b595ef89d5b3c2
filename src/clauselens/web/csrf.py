"""What keeps the review page safe: CSRF tokens, the access token, and security headers.

- CSRF: every visitor gets a random per-session cookie; every form carries the same value in a
  hidden field; a POST whose field does not match the cookie (``hmac.compare_digest``) is
  refused with 403 before anything else happens.
- Access token: when the server is bound to a non-loopback address, every page except the
  login form and the static files needs a cookie derived from the token (printed at start, or
  ``settings.serve_token``); without it a GET is sent to the login form and any other method
  is refused with 403; the API and the feeds answer 401 and also take the token as
  ``Authorization: Bearer TOKEN``. A wrong cookie or bearer token is a guess like a wrong
  token at the login form (the cookie is a public function of the token): all count against
  the client in ``throttle.FailedAttempts``, and a client over the limit gets 429 without
  being checked.
- Headers: a strict Content-Security-Policy (scripts and styles only from ``/static``), no
  framing, no sniffing, no referrer, no caching of pages.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from clauselens.web.throttle import FailedAttempts, client_key

CSRF_COOKIE = "clauselens_csrf"
CSRF_FIELD = "csrf_token"
AUTH_COOKIE = "clauselens_auth"
REVIEWER_COOKIE = "clauselens_reviewer"
OPEN_PATHS = ("/login", "/static/")
MACHINE_PATHS = ("/api/", "/feeds/")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS: dict[str, str] = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cache-control": "no-store",
}

Handler = Callable[[Request], Awaitable[Response]]


def csrf_token(request: Request) -> str:
    """The session's CSRF token (set by ``CSRFCookieMiddleware``)."""
    return str(request.state.csrf)


async def checked_form(request: Request) -> FormData:
    """The POSTed form, once its CSRF field matches the session cookie; else 403."""
    form = await request.form()
    sent = form.get(CSRF_FIELD)
    cookie = request.cookies.get(CSRF_COOKIE)
    if not isinstance(sent, str) or not cookie or not hmac.compare_digest(sent, cookie):
        raise HTTPException(403, "missing or wrong CSRF token: reload the page and try again")
    return form


class CSRFCookieMiddleware(BaseHTTPMiddleware):
    """Give every visitor a CSRF cookie (HttpOnly, SameSite=Strict) and expose it to routes."""

    async def dispatch(self, request: Request, call_next: Handler) -> Response:
        existing = request.cookies.get(CSRF_COOKIE)
        request.state.csrf = existing or secrets.token_urlsafe(32)
        response = await call_next(request)
        if not existing:
            response.set_cookie(
                CSRF_COOKIE, request.state.csrf, httponly=True, samesite="strict", path="/"
            )
        return response


def auth_value(token: str) -> str:
    """What the access cookie holds: a MAC of the token, never the token itself."""
    return hmac.new(token.encode(), b"clauselens-serve-session", hashlib.sha256).hexdigest()


def token_matches(sent: str, token: str) -> bool:
    return hmac.compare_digest(sent.encode(), token.encode())


def requester(request: Request) -> str:
    """The key ``FailedAttempts`` counts this request's client under."""
    return client_key(request.client.host if request.client else None)


def too_many(retry_after: int) -> Response:
    """429 for a client over the limit of failed attempts."""
    return Response(
        f"too many wrong tokens from this address: try again in {retry_after} s",
        status_code=429,
        headers={"retry-after": str(retry_after)},
    )


class TokenGateMiddleware(BaseHTTPMiddleware):
    """Require the access cookie on every path but the login form and static files. Machine
    paths (``MACHINE_PATHS``: the API, the feeds) also take the token itself as
    ``Authorization: Bearer TOKEN`` and answer 401 instead of sending to the login form."""

    def __init__(self, app: ASGIApp, token: str, attempts: FailedAttempts) -> None:
        super().__init__(app)
        self.token = token
        self.expected = auth_value(token)
        self.attempts = attempts

    def _presented(self, request: Request) -> tuple[str, str] | None:
        """What the request presents (the cookie value, or a bearer token) and what it must
        equal; ``None`` when it presents nothing."""
        cookie = request.cookies.get(AUTH_COOKIE, "")
        if cookie:
            return cookie, self.expected
        scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and credentials.strip():
            return credentials.strip(), self.token
        return None

    async def dispatch(self, request: Request, call_next: Handler) -> Response:
        path = request.url.path
        if path == "/login" or path.startswith("/static/"):
            return await call_next(request)
        presented = self._presented(request)
        if presented is not None:
            key = requester(request)
            wait = self.attempts.retry_after(key)
            if wait:
                return too_many(wait)
            sent, expected = presented
            if hmac.compare_digest(sent.encode(), expected.encode()):
                return await call_next(request)
            self.attempts.fail(key)
        if path.startswith(MACHINE_PATHS):
            return Response(
                '{"error": {"status": 401, "message": "a token is required: '
                'send Authorization: Bearer TOKEN"}}',
                status_code=401,
                media_type="application/json",
                headers={"www-authenticate": 'Bearer realm="clauselens"'},
            )
        if request.method in ("GET", "HEAD"):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?{_next_param(target)}", status_code=303)
        return Response("a token is required: sign in at /login", status_code=403)


def _next_param(target: str) -> str:
    from urllib.parse import urlencode

    return urlencode({"next": target})


def safe_next(value: str | None) -> str:
    """A same-site path to go to after login (never another host)."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return "/"
    return value


class SecurityHeadersMiddleware:
    """Add ``SECURITY_HEADERS`` to every HTTP response (a plain ASGI middleware)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for name, value in SECURITY_HEADERS.items():
                    if name.encode() not in present:
                        headers.append((name.encode(), value.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
