"""Request limits: per-caller rate limits as dependencies, and a body size cap as ASGI middleware."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tradai.api.auth import CurrentPrincipal
from tradai.api.deps import ContainerDep
from tradai.api.errors import error_response
from tradai.domain.errors import PayloadTooLarge
from tradai.services.rate_limits import RateLimit, enforce
from tradai.settings import Settings


def rate_limited(route: str, rate_of: Callable[[Settings], RateLimit]) -> Callable[..., None]:
    """A dependency counting each call of `route` per caller against the limit `rate_of(settings)`.

    The caller is the token's subject, or the client address when authentication is off.
    """

    def dependency(request: Request, container: ContainerDep, principal: CurrentPrincipal) -> None:
        caller = principal.subject
        if container.authenticator is None:
            caller = request.client.host if request.client else "unknown"
        enforce(
            store=container.store,
            rate=rate_of(container.settings),
            caller=caller,
            route=route,
            now=container.clock(),
        )

    dependency.__name__ = f"rate_limit_{route}"
    return dependency


class BodySizeLimitMiddleware:
    """Refuse request bodies over `max_bytes` with 413, whether or not they declare a length."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            response = error_response(413, self._detail(), PayloadTooLarge.code)
            await response(scope, receive, send)
            return
        if declared is not None:
            await self.app(scope, receive, send)  # within the cap; the server enforces the length
            return
        # No declared length (chunked): read up to the cap first, then replay what was read.
        buffered: list[Message] = []
        size = 0
        while True:
            message = await receive()
            buffered.append(message)
            size += len(message.get("body", b""))
            if size > self.max_bytes:
                await error_response(413, self._detail(), PayloadTooLarge.code)(scope, receive, send)
                return
            if message["type"] != "http.request" or not message.get("more_body", False):
                break

        async def replay() -> Message:
            return buffered.pop(0) if buffered else await receive()

        await self.app(scope, replay, send)

    def _detail(self) -> str:
        return f"Request body is larger than {self.max_bytes} bytes"
