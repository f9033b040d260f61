"""The query guard on routes that declare their query parameters as a query-parameter model
(`Annotated[Model, Query()]`): its fields are the route's parameters, alone or beside single ones."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal

import pytest
from fastapi import APIRouter, Query
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from tests.fakes import local_container
from tradai.api.app import create_app
from tradai.api.routers import catalog, strategies

probe_router = APIRouter(prefix="/api/v1/probe", tags=["probe"])


class ProbeQuery(BaseModel):
    status: list[str] = Field(default_factory=list)
    limit: int = Field(20, ge=1, le=100)
    order: Literal["asc", "desc"] = "asc"


@probe_router.get("/models")
def read_models(query: Annotated[ProbeQuery, Query()], cursor: str | None = None) -> dict[str, Any]:
    return query.model_dump() | {"cursor": cursor}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    container = local_container(tmp_path)
    app = create_app(
        routers=[probe_router, strategies.router, catalog.router],
        settings=container.settings,
        container=container,
    )
    with TestClient(app) as test_client:
        yield test_client


def detail_of(response: Any) -> str:
    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"detail", "code", "timestamp"}
    assert body["code"] == "VALIDATION_ERROR"
    return str(body["detail"])


@pytest.mark.parametrize("path", ["/api/v1/probe/models", "/api/v1/strategies", "/api/v1/catalog/strategies"])
def test_given_a_parameter_the_model_lacks_when_requested_then_422_naming_it(
    client: TestClient, path: str
) -> None:
    assert detail_of(client.get(f"{path}?limitt=5")) == "query.limitt: unknown query parameter"


@pytest.mark.parametrize(
    ("path", "query", "name"),
    [
        ("/api/v1/probe/models", "limit=1&limit=100", "limit"),
        ("/api/v1/probe/models", "cursor=a&cursor=b", "cursor"),
        ("/api/v1/strategies", "stage=dev&stage=prod", "stage"),
        ("/api/v1/catalog/strategies", "offset=0&offset=20", "offset"),
    ],
)
def test_given_a_single_valued_model_field_repeated_when_requested_then_422_naming_it(
    client: TestClient, path: str, query: str, name: str
) -> None:
    assert (
        detail_of(client.get(f"{path}?{query}")) == f"query.{name}: given more than once; it takes one value"
    )


def test_given_a_list_field_repeated_and_a_single_parameter_beside_when_requested_then_all_arrive(
    client: TestClient,
) -> None:
    response = client.get("/api/v1/probe/models?status=QUEUED&status=FAILED&limit=5&cursor=c1")
    assert response.status_code == 200
    assert response.json() == {"status": ["QUEUED", "FAILED"], "limit": 5, "order": "asc", "cursor": "c1"}


@pytest.mark.parametrize(
    ("path", "query", "where"),
    [
        ("/api/v1/probe/models", "limit=0", "query.limit"),
        ("/api/v1/strategies", "exchange=BAD!", "query.exchange"),
        ("/api/v1/strategies", "max_drawdown=2", "query.max_drawdown"),
        ("/api/v1/catalog/strategies", "sort_by=alpha", "query.sort_by"),
    ],
)
def test_given_a_model_field_out_of_bounds_when_requested_then_422_at_its_query_location(
    client: TestClient, path: str, query: str, where: str
) -> None:
    assert detail_of(client.get(f"{path}?{query}")).startswith(f"{where}: ")


LIST_PARAMETERS = {
    "sort_by": {"type": "string"},
    "sort_order": {"type": "string", "enum": ["asc", "desc"]},
    "limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 20},
    "offset": {"type": "integer", "minimum": 0, "maximum": 1_000_000, "default": 0},
    "stage": {},
    "exchange": {"pattern": "^[a-z0-9_]{2,40}$"},
    "timeframe": {"pattern": "^[1-9][0-9]{0,2}[mhdw]$"},
    "search": {"maxLength": 100},
    "min_sharpe": {"minimum": -1e6, "maximum": 1e6},
    "max_drawdown": {"minimum": 0, "maximum": 1},
}


@pytest.mark.parametrize(
    ("path", "sort_by", "default_order"),
    [
        ("/api/v1/strategies", ["name", "sharpe", "return", "trades"], "asc"),
        ("/api/v1/catalog/strategies", ["score", "name", "sharpe", "return", "trades"], "desc"),
    ],
)
def test_given_a_list_with_a_query_model_when_documented_then_each_field_is_a_query_parameter(
    client: TestClient, path: str, sort_by: list[str], default_order: str
) -> None:
    parameters = client.get("/openapi.json").json()["paths"][path]["get"]["parameters"]
    assert [parameter["name"] for parameter in parameters] == list(LIST_PARAMETERS)
    for parameter in parameters:
        assert (parameter["in"], parameter["required"]) == ("query", False)
        schema = parameter["schema"]
        constraints = schema["anyOf"][0] if "anyOf" in schema else schema
        assert LIST_PARAMETERS[parameter["name"]].items() <= constraints.items(), parameter
    by_name = {parameter["name"]: parameter["schema"] for parameter in parameters}
    assert by_name["sort_by"]["enum"] == sort_by
    assert by_name["sort_order"]["default"] == default_order
    assert by_name["stage"]["anyOf"][0] == {"$ref": "#/components/schemas/Stage"}
