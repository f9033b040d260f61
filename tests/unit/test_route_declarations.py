"""How the routes declare their error documents: as the public spec shows them, and cheaply enough
for a Lambda's cold start (issue 9, `benchmarks/cold_import.py`)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.routing import APIRoute

from tradai.api.app import create_app
from tradai.api.errors import ERROR_RESPONSES
from tradai.api.local import ROUTERS
from tradai.api.schemas.common import ErrorResponse
from tradai.settings import Settings

OWN_ERROR_BODIES = {("/api/v1/health", "get", "503")}
"""Error statuses whose body is not the error shape: health answers 503 with its checks."""


@pytest.fixture(scope="module", params=["dev", "none"])
def spec(request: pytest.FixtureRequest) -> dict[str, Any]:
    app = create_app(routers=ROUTERS, settings=Settings(auth_mode=request.param))
    return app.openapi()


def test_given_the_spec_when_read_then_every_error_response_is_the_one_error_shape(
    spec: dict[str, Any],
) -> None:
    error_docs = [
        (path, method, status, response)
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
        for status, response in operation["responses"].items()
        if status[0] in "45" and (path, method, status) not in OWN_ERROR_BODIES
    ]
    assert len(error_docs) > 10 * len(spec["paths"])
    for path, method, status, response in error_docs:
        schema = response["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorResponse"}, (path, method, status)
        assert response["description"], (path, method, status)
    error_shape = spec["components"]["schemas"]["ErrorResponse"]
    assert error_shape == ErrorResponse.model_json_schema(mode="serialization")
    assert set(error_shape["required"]) == {"detail", "code", "timestamp"}


def test_given_a_route_with_its_own_error_text_when_documented_then_the_text_is_kept(
    spec: dict[str, Any],
) -> None:
    stop = spec["paths"]["/api/v1/strategies/{strategy_id}/instances/{instance_id}/stop"]["post"]
    assert stop["responses"]["404"]["description"] == "No such strategy or instance"
    assert stop["responses"]["409"]["description"] == "The instance's status does not allow it"
    assert stop["responses"]["503"]["description"] == "Service Unavailable"


def test_given_every_route_when_registered_then_its_error_docs_build_no_validator() -> None:
    # A documented model costs a pydantic validator per route and status at registration (the cold
    # import of a Lambda handler) and again on its first request; the error shape is documented once.
    routes = [route for router in ROUTERS for route in router.routes if isinstance(route, APIRoute)]
    assert routes
    for route in routes:
        assert not any(doc.get("model") is ErrorResponse for doc in route.responses.values()), route.path
    assert not any("model" in doc for doc in ERROR_RESPONSES.values())  # the app's, on every route
