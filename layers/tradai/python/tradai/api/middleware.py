"""ASGI middleware: correlation ids, request logs, and a last-resort 500 in the API's error shape.

Written as plain ASGI (not BaseHTTPMiddleware) so it also wraps WebSocket scopes, adds its
header to every response including errors, and costs no extra task per request.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tradai.api.errors import error_response
from tradai.observability import correlation_id

log = logging.getLogger(__name__)

HEADER = "X-Correlation-ID"
_HEADER_KEY = HEADER.lower().encode()
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:=+/\-]{1,128}$")


def _incoming_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == _HEADER_KEY:
            candidate = bytes(value).decode("latin-1")
            if _SAFE_ID.match(candidate):
                return candidate
    event: dict[str, Any] = scope.get("aws.event") or {}  # set by Mangum in Lambda
    request_id = event.get("requestContext", {}).get("requestId")
    return str(request_id) if request_id and _SAFE_ID.match(str(request_id)) else str(uuid.uuid4())


class CorrelationIdMiddleware:
    """Take `X-Correlation-ID` from the request (or make one), log with it, return it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = _incoming_id(scope)
        token = correlation_id.set(request_id)
        started = time.perf_counter()
        status: list[int] = []

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
                headers = [(k, v) for k, v in message.get("headers", []) if k != _HEADER_KEY]
                message = {**message, "headers": [*headers, (_HEADER_KEY, request_id.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method", "WS"), scope.get("path"))
            if scope["type"] != "http" or status:
                raise
            response = error_response(500, "Internal server error", "INTERNAL_ERROR")
            await response(scope, receive, send_with_id)
        finally:
            if scope["type"] == "http":
                log.info(
                    "%s %s -> %s",
                    scope.get("method"),
                    scope.get("path"),
                    status[0] if status else "-",
                    extra={"duration_ms": round((time.perf_counter() - started) * 1000, 2)},
                )
            correlation_id.reset(token)
