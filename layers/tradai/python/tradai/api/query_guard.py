"""Refuse query parameters a route does not declare, so a typo (`?statuss=FAILED`) is a 422, not a
silently unfiltered answer; and a single-valued parameter given twice (`?limit=1&limit=5000`), where
one copy would silently win.

A route declares query parameters one by one or as the fields of a query-parameter model
(`Annotated[Model, Query()]`); both count.
"""

from __future__ import annotations

import types
from collections.abc import Sequence
from typing import Annotated, Any, Union, get_args, get_origin

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel
from starlette.requests import HTTPConnection


def _declared_query_names(dependant: Any) -> dict[str, bool]:
    """Each query parameter the route or its dependencies declare -> whether it takes a list."""
    names: dict[str, bool] = {}
    for field in dependant.query_params:
        model = _query_model(field.field_info.annotation)
        if model is None:
            names[field.alias] = _takes_a_list(field.field_info.annotation)
        else:
            names |= {
                inner.alias or name: _takes_a_list(inner.annotation)
                for name, inner in model.model_fields.items()
            }
    for sub_dependant in dependant.dependencies:
        names |= _declared_query_names(sub_dependant)
    return names


def _query_model(annotation: Any) -> type[BaseModel] | None:
    """The model of a query-parameter model (`Model` or `Model | None`), else None."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return _query_model(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        members = [member for member in get_args(annotation) if member is not type(None)]
        return _query_model(members[0]) if len(members) == 1 else None
    return annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None


def _takes_a_list(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin is Annotated:
        return _takes_a_list(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        return any(_takes_a_list(member) for member in get_args(annotation))
    return isinstance(origin, type) and issubclass(origin, (Sequence, set, frozenset)) and origin is not str


def reject_unknown_query_parameters(connection: HTTPConnection) -> None:
    """An app-wide dependency: 422 for any query parameter the matched HTTP route does not declare,
    or that it declares single-valued and the request repeats.

    WebSocket routes are left alone (their parameters are checked by the route itself).
    """
    route = connection.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    # Walking the route's few dependencies costs microseconds; routes are unhashable, so no cache.
    declared = _declared_query_names(route.dependant)
    given = [name for name, _ in connection.query_params.multi_items()]
    errors = [
        {"loc": ("query", name), "msg": "unknown query parameter", "type": "extra_forbidden"}
        for name in sorted(set(given) - declared.keys())
    ]
    errors += [
        {"loc": ("query", name), "msg": "given more than once; it takes one value", "type": "repeated"}
        for name in sorted({name for name in given if given.count(name) > 1 and declared.get(name) is False})
    ]
    if errors:
        raise RequestValidationError(errors)
