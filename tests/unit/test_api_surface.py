"""The API's common surface: error shape, correlation ids, CORS, docs, health status codes."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from tests.fakes import FakeProbe
from tradai.adapters.file_blobs import FileBlobStore
from tradai.adapters.sqlite_store import SqliteDocumentStore
from tradai.api.app import create_app
from tradai.api.routers import health
from tradai.bootstrap import Container
from tradai.domain.errors import ConditionFailed, InvalidInput, NotFound, StoreUnavailable, StrategyError
from tradai.settings import Settings

probe_router = APIRouter(prefix="/api/v1/probe", tags=["probe"])


class Body(BaseModel):
    capital: float = Field(gt=0)


@probe_router.get("/not-found")
def raise_not_found() -> None:
    raise NotFound("Backtest job not found")


@probe_router.get("/conflict")
def raise_conflict() -> None:
    raise ConditionFailed("job already finished")


@probe_router.get("/invalid")
def raise_invalid() -> None:
    raise InvalidInput("start must be before end")


@probe_router.get("/strategy-error")
def raise_strategy_error() -> None:
    raise StrategyError("strategy 'mine' failed: ZeroDivisionError: division by zero")


@probe_router.get("/unavailable")
def raise_unavailable() -> None:
    raise StoreUnavailable("database is locked", retry_after_seconds=3)


@probe_router.get("/crash")
def crash() -> None:
    raise RuntimeError("bug")


@probe_router.post("/body")
def take_body(body: Body) -> Body:
    return body


@pytest.fixture
def container(tmp_path: Path) -> Container:
    return Container(
        settings=Settings(data_dir=tmp_path),
        store=SqliteDocumentStore(tmp_path / "s.sqlite3"),
        blobs=FileBlobStore(tmp_path / "blobs"),
    )


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    settings = Settings(data_dir=container.settings.data_dir, cors_origins=["https://app.example.com"])
    app = create_app(routers=[health.router, probe_router], settings=settings, container=container)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def assert_error_shape(response: object, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert set(body) == {"detail", "code", "timestamp"}
    assert body["code"] == code
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert body["timestamp"].endswith("Z")
    datetime.fromisoformat(body["timestamp"])
    assert response.headers["x-correlation-id"]  # type: ignore[attr-defined]
    return body  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/api/v1/nope", 404, "NOT_FOUND"),
        ("GET", "/nope", 404, "NOT_FOUND"),
        ("DELETE", "/api/v1/health", 405, "METHOD_NOT_ALLOWED"),
        ("GET", "/api/v1/probe/not-found", 404, "NOT_FOUND"),
        ("GET", "/api/v1/probe/conflict", 409, "CONDITION_FAILED"),
        ("GET", "/api/v1/probe/invalid", 400, "INVALID_INPUT"),
        ("GET", "/api/v1/probe/strategy-error", 422, "STRATEGY_ERROR"),
        ("GET", "/api/v1/probe/unavailable", 503, "STORE_UNAVAILABLE"),
        ("GET", "/api/v1/probe/crash", 500, "INTERNAL_ERROR"),
    ],
)
def test_given_any_failure_when_requested_then_error_has_one_shape_and_status(
    client: TestClient, method: str, path: str, status: int, code: str
) -> None:
    # Given / When
    response = client.request(method, path)

    # Then
    assert_error_shape(response, status, code)


def test_given_store_unavailable_when_requested_then_retry_after_is_sent(client: TestClient) -> None:
    response = client.get("/api/v1/probe/unavailable")
    assert response.headers["retry-after"] == "3"


def test_given_crash_when_requested_then_no_internals_leak(client: TestClient) -> None:
    body = assert_error_shape(client.get("/api/v1/probe/crash"), 500, "INTERNAL_ERROR")
    assert "bug" not in str(body["detail"])


@pytest.mark.parametrize("payload", [{"capital": 0}, {"capital": "lots"}, {}, None])
def test_given_invalid_body_when_posted_then_422_validation_error_names_the_field(
    client: TestClient, payload: object
) -> None:
    response = client.post("/api/v1/probe/body", json=payload)
    body = assert_error_shape(response, 422, "VALIDATION_ERROR")
    assert "body" in str(body["detail"])


def test_given_malformed_json_when_posted_then_422_not_500(client: TestClient) -> None:
    response = client.post(
        "/api/v1/probe/body", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert_error_shape(response, 422, "VALIDATION_ERROR")


def test_given_correlation_id_when_requested_then_it_is_echoed(client: TestClient) -> None:
    response = client.get("/api/v1/health", headers={"X-Correlation-ID": "trace-42"})
    assert response.headers["x-correlation-id"] == "trace-42"


def test_given_no_or_unsafe_correlation_id_when_requested_then_a_fresh_one_is_made(
    client: TestClient,
) -> None:
    first = client.get("/api/v1/health").headers["x-correlation-id"]
    second = client.get("/api/v1/health", headers={"X-Correlation-ID": "bad id\twith spaces"}).headers[
        "x-correlation-id"
    ]
    assert first != second
    assert " " not in second
    assert len(second) == 36


def test_given_allowed_origin_when_preflighted_then_cors_headers_follow_the_seed(client: TestClient) -> None:
    # Given / When
    response = client.options(
        "/api/v1/health",
        headers={
            "Origin": "https://app.example.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "Authorization, Content-Type, X-Amz-Date",
        },
    )

    # Then
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "https://app.example.com"
    assert set(response.headers["access-control-allow-methods"].split(", ")) == {
        "GET",
        "POST",
        "PUT",
        "DELETE",
        "OPTIONS",
    }
    assert response.headers["access-control-max-age"] == "86400"
    assert response.headers["x-correlation-id"]


def test_given_unknown_origin_when_preflighted_then_it_is_refused(client: TestClient) -> None:
    response = client.options(
        "/api/v1/health", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
    )
    assert "access-control-allow-origin" not in response.headers


def test_given_the_app_when_docs_requested_then_swagger_redoc_and_spec_are_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    assert client.get("/redoc").status_code == 200
    spec = client.get("/openapi.json").json()
    assert "/api/v1/health" in spec["paths"]
    assert spec["paths"]["/api/v1/health"]["get"]["operationId"] == "health-get_health"
    assert "ErrorResponse" in spec["components"]["schemas"]


def test_given_healthy_dependencies_when_health_requested_then_200_with_each_check(
    client: TestClient,
) -> None:
    # When
    response = client.get("/api/v1/health")

    # Then
    body = response.json()
    assert response.status_code == 200
    assert body["healthy"] is True
    assert body["status"] == "healthy"
    assert body["service"] == "TradAI"
    assert body["checks"]["store"]["adapter"] == "sqlite"
    assert body["checks"]["blobs"]["adapter"] == "filesystem"
    assert all(check["status"] == "ok" for check in body["checks"].values())


@pytest.mark.parametrize("probe", [FakeProbe(healthy=False), FakeProbe(crash=True)])
def test_given_a_failing_dependency_when_health_requested_then_503_same_shape_naming_it(
    container: Container, probe: FakeProbe
) -> None:
    # Given
    container.extra_probes["market_data"] = probe
    app = create_app(routers=[health.router], settings=container.settings, container=container)

    # When
    with TestClient(app) as client:
        response = client.get("/api/v1/health")

    # Then
    body = response.json()
    assert response.status_code == 503
    assert body["healthy"] is False
    assert body["status"] == "unhealthy"
    assert body["checks"]["market_data"]["status"] == "error"
    assert body["checks"]["market_data"]["detail"]
    assert body["checks"]["store"]["status"] == "ok"
    assert probe.pings == 1


def test_given_the_api_when_it_maps_engine_errors_then_the_engine_is_not_imported() -> None:
    # Given a fresh interpreter / When the app and its error mapping load
    code = "import sys, tradai.api.app, tradai.api.errors; print('tradai.engine' in sys.modules)"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout

    # Then numba and pandas stay out of the HTTP path
    assert output.strip() == "False"
