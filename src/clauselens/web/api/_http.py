"""HTTP plumbing of the API: JSON bodies with ETags (304 on a matching ``If-None-Match``),
JSON errors, opaque cursors, bounded limits."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response

from clauselens.errors import NotFoundError, UsageError

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
JSON_TYPE = "application/json"
CACHE = "private, no-cache"  # clients may keep a copy, and revalidate it with its ETag


class ApiError(Exception):
    """An answer other than 200: status and message, sent as ``ErrorBody``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def error_response(status: int, message: str) -> Response:
    body = json.dumps({"error": {"status": status, "message": message}})
    return Response(body, status_code=status, media_type=JSON_TYPE)


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _matches(header: str | None, etag: str) -> bool:
    if not header:
        return False
    if header.strip() == "*":
        return True
    return any(tag.strip().removeprefix("W/") == etag for tag in header.split(","))


def json_response(request: Request, value: BaseModel | dict[str, Any]) -> Response:
    """``value`` as JSON, with its ETag; 304 when the client already holds this body."""
    if isinstance(value, BaseModel):
        body = value.model_dump_json().encode("utf-8")
    else:
        body = json.dumps(value, ensure_ascii=False, sort_keys=True).encode("utf-8")
    etag = _etag(body)
    headers = {"etag": etag, "cache-control": CACHE}
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=JSON_TYPE, headers=headers)


Handler = Callable[[Request], Awaitable[Response]]


def api(handler: Handler) -> Handler:
    """Library errors and ``ApiError`` become JSON errors: 400 for bad parameters, 404 for
    what does not exist."""

    @wraps(handler)
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except ApiError as exc:
            return error_response(exc.status, exc.message)
        except NotFoundError as exc:
            return error_response(404, str(exc))
        except UsageError as exc:
            return error_response(400, str(exc))

    return wrapped


def encode_cursor(value: Any) -> str:
    raw = json.dumps(value, separators=(",", ":"), default=str).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_cursor(request: Request) -> Any:
    """The request's ``cursor`` as the value it encodes (``None`` when absent); 400 if bad."""
    raw = request.query_params.get("cursor")
    if not raw:
        return None
    try:
        return json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "cursor is not one this API gave out") from exc


def limit_of(request: Request) -> int:
    raw = request.query_params.get("limit")
    if raw is None:
        return DEFAULT_LIMIT
    if not raw.isascii() or not raw.isdigit() or not 0 < int(raw) <= MAX_LIMIT:
        raise ApiError(400, f"limit must be a whole number from 1 to {MAX_LIMIT}")
    return int(raw)
