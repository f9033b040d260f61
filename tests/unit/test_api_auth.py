"""Auth on the HTTP surface: the route family x token case -> status matrix, with TRADAI_AUTH=dev."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from tradai.adapters.dev_keys import DevTokenKeys
from tradai.adapters.file_blobs import FileBlobStore
from tradai.adapters.sqlite_store import SqliteDocumentStore
from tradai.api.app import create_app
from tradai.api.auth import Admin, Trader, Viewer
from tradai.api.routers import health
from tradai.bootstrap import Container, build_authenticator
from tradai.settings import Settings

router = APIRouter(prefix="/api/v1/probe", tags=["probe"])


@router.get("/read")
def read(principal: Viewer) -> dict[str, str]:
    return {"subject": principal.subject}


@router.post("/submit")
def submit(principal: Trader) -> dict[str, str]:
    return {"subject": principal.subject}


@router.post("/promote")
def promote(principal: Admin) -> dict[str, str]:
    return {"subject": principal.subject}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, auth="dev")


@pytest.fixture
def client(settings: Settings, tmp_path: Path) -> Iterator[TestClient]:
    container = Container(
        settings=settings,
        store=SqliteDocumentStore(tmp_path / "s.sqlite3"),
        blobs=FileBlobStore(tmp_path / "blobs"),
        authenticator=build_authenticator(settings),
    )
    with TestClient(
        create_app(routers=[health.router, router], settings=settings, container=container)
    ) as test:
        yield test


def token_for(settings: Settings, *groups: str) -> dict[str, str]:
    token = DevTokenKeys(settings.dev_signing_key_path).sign(subject="alice", groups=list(groups))
    return {"Authorization": f"Bearer {token}"}


ROUTES = [("GET", "/api/v1/probe/read"), ("POST", "/api/v1/probe/submit"), ("POST", "/api/v1/probe/promote")]
EXPECTED = {
    # token case: status per route (read, submit, promote)
    "none": (401, 401, 401),
    "garbage": (401, 401, 401),
    "basic-scheme": (401, 401, 401),
    "viewer": (200, 403, 403),
    "trader": (200, 200, 403),
    "admin": (200, 200, 200),
}


def headers_for(case: str, settings: Settings) -> dict[str, str]:
    if case == "none":
        return {}
    if case == "garbage":
        return {"Authorization": "Bearer not.a.token"}
    if case == "basic-scheme":
        return {"Authorization": "Basic YWxpY2U6c2VjcmV0"}
    return token_for(settings, case)


@pytest.mark.parametrize("case", list(EXPECTED))
def test_given_token_case_when_each_route_called_then_status_matches_the_matrix(
    client: TestClient, settings: Settings, case: str
) -> None:
    # Given
    headers = headers_for(case, settings)

    # When
    statuses = tuple(client.request(method, path, headers=headers).status_code for method, path in ROUTES)

    # Then
    assert statuses == EXPECTED[case]


def test_given_no_token_when_protected_route_called_then_401_shape_and_challenge(client: TestClient) -> None:
    response = client.get("/api/v1/probe/read")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    body = response.json()
    assert body["detail"] == "Not authenticated"
    assert body["code"] == "NOT_AUTHENTICATED"


def test_given_wrong_role_when_called_then_403_names_the_needed_role(
    client: TestClient, settings: Settings
) -> None:
    response = client.post("/api/v1/probe/promote", headers=token_for(settings, "trader"))
    assert response.status_code == 403
    assert response.json()["code"] == "FORBIDDEN"
    assert "admin" in response.json()["detail"]


def test_given_auth_on_when_public_routes_called_without_token_then_served(client: TestClient) -> None:
    assert client.get("/api/v1/health").status_code == 200
    assert client.get("/docs").status_code == 200
    assert client.get("/openapi.json").status_code == 200


def test_given_auth_on_when_spec_read_then_bearer_scheme_declared_on_protected_routes_only(
    client: TestClient,
) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["CognitoBearer"]["scheme"] == "bearer"
    assert spec["paths"]["/api/v1/probe/read"]["get"]["security"] == [{"CognitoBearer": []}]
    assert "security" not in spec["paths"]["/api/v1/health"]["get"]


def test_given_auth_off_when_protected_route_called_then_caller_is_local_admin(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    app = create_app(routers=[router], settings=settings)
    with TestClient(app) as client:
        assert client.post("/api/v1/probe/promote").json() == {"subject": "local"}


def test_given_auth_off_when_spec_read_then_no_token_is_asked_for(tmp_path: Path) -> None:
    app = create_app(routers=[router], settings=Settings(data_dir=tmp_path))
    with TestClient(app) as client:
        spec = client.get("/openapi.json").json()
    assert "securitySchemes" not in spec.get("components", {})
    assert "security" not in spec["paths"]["/api/v1/probe/read"]["get"]
