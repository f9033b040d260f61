"""Refuse query parameters a route does not declare, so a typo (`?statuss=FAILED`) is a 422, not a
silently unfiltered answer."""

from __future__ import annotations

from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import HTTPConnection


def _declared_query_names(dependant: Any) -> frozenset[str]:
    names = {field.alias for field in dependant.query_params}
    for sub_dependant in dependant.dependencies:
        names |= _declared_query_names(sub_dependant)
    return frozenset(names)


def reject_unknown_query_parameters(connection: HTTPConnection) -> None:
    """An app-wide dependency: 422 for any query parameter the matched HTTP route does not declare.

    WebSocket routes are left alone (their parameters are checked by the route itself).
    """
    route = connection.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    # Walking the route's few dependencies costs microseconds; routes are unhashable, so no cache.
    unknown = sorted(set(connection.query_params.keys()) - _declared_query_names(route.dependant))
    if unknown:
        raise RequestValidationError(
            [
                {"loc": ("query", name), "msg": "unknown query parameter", "type": "extra_forbidden"}
                for name in unknown
            ]
        )
