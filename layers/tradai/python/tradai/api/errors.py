"""The one place that turns errors into HTTP responses: `{"detail", "code", "timestamp"}`.

Domain errors map by class to a status; framework errors (unknown route, wrong method,
validation) get the same shape with their own codes.
"""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from tradai.api.schemas.common import ErrorResponse, error_doc
from tradai.domain.clock import utc_now
from tradai.domain.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    TradaiError,
    Unavailable,
    Unprocessable,
)

log = logging.getLogger(__name__)

# Most specific first: the first class an error is an instance of decides its status.
_STATUS_BY_ERROR: list[tuple[type[TradaiError], int]] = [
    (NotAuthenticated, 401),
    (RateLimited, 429),
    (PayloadTooLarge, 413),
    (Forbidden, 403),
    (NotFound, 404),
    (Conflict, 409),
    (Unprocessable, 422),
    (InvalidInput, 400),
    (Unavailable, 503),
]
_CODE_BY_STATUS = {
    400: "BAD_REQUEST",
    401: "NOT_AUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "PAYLOAD_TOO_LARGE",
    422: "VALIDATION_ERROR",
    429: "RATE_LIMITED",
    500: "INTERNAL_ERROR",
    503: "SERVICE_UNAVAILABLE",
}


def status_for(error: TradaiError) -> int:
    """The HTTP status a domain error stands for."""
    for error_class, status in _STATUS_BY_ERROR:
        if isinstance(error, error_class):
            return status
    return 500


def error_response(
    status: int, detail: str, code: str | None = None, headers: dict[str, str] | None = None
) -> JSONResponse:
    """Build an error response in the API's one error shape."""
    body = ErrorResponse(
        detail=detail, code=code or _CODE_BY_STATUS.get(status, f"HTTP_{status}"), timestamp=utc_now()
    )
    return JSONResponse(status_code=status, content=body.model_dump(mode="json"), headers=headers)


async def _on_domain_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, TradaiError)
    status = status_for(error)
    headers = None
    if isinstance(error, Unavailable | RateLimited):
        headers = {"Retry-After": str(error.retry_after_seconds)}
    elif isinstance(error, NotAuthenticated):
        headers = {"WWW-Authenticate": "Bearer"}
    if status >= 500:
        log.error("request failed: %s", error.detail, extra={"code": error.code})
    return error_response(status, error.detail, error.code, headers)


async def _on_http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    detail = error.detail if isinstance(error.detail, str) else HTTPStatus(error.status_code).phrase
    headers = dict(error.headers or {})
    if error.status_code == 404 and detail == "Not Found":
        detail = "No route matches this path"
    if error.status_code == 405:
        # Starlette lists only the first matching route's methods; a path served by several routes
        # (GET and POST /api/v1/backtests) must list them all.
        headers["Allow"] = ", ".join(_methods_for(request))
    return error_response(error.status_code, detail, headers=headers)


def _methods_for(request: Request) -> list[str]:
    methods: set[str] = set()
    for template, operations in request.app.openapi().get("paths", {}).items():
        if re.fullmatch(re.sub(r"\\{[^/]+?\\}", "[^/]+", re.escape(template)), request.url.path):
            methods |= {method.upper() for method in operations}
    return sorted(methods)


async def _on_validation_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    problems = [
        f"{'.'.join(str(part) for part in problem.get('loc', ()))}: {problem.get('msg', 'invalid')}"
        for problem in error.errors()
    ]
    return error_response(422, "; ".join(problems) or "Request is invalid", "VALIDATION_ERROR")


def install_error_handlers(app: FastAPI) -> None:
    """Make every error the app produces use the `{detail, code, timestamp}` shape."""
    app.add_exception_handler(TradaiError, _on_domain_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: error_doc(status, HTTPStatus(status).phrase)[status]
    for status in (400, 401, 403, 404, 409, 413, 422, 429, 500, 503)
}
"""Declared on every route: any route can meet these (a bad cursor, auth, a big body, a limit, a store
outage), and the OpenAPI spec then documents the one error shape they share."""
