"""Roles on the lifecycle routes: viewers read, traders register and edit configs, admins promote."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.fakes import local_container
from tests.unit.lifecycle.conftest import LIFECYCLE_ROUTERS
from tradai.adapters.dev_keys import DevTokenKeys
from tradai.api.app import create_app
from tradai.bootstrap import build_authenticator
from tradai.settings import Settings

# (method, path, body, least role)
ROUTES = [
    ("GET", "/api/v1/strategies", None, "viewer"),
    ("GET", "/api/v1/strategies/pascal-v2", None, "viewer"),
    ("GET", "/api/v1/strategies/PascalStrategy/status", None, "viewer"),
    ("POST", "/api/v1/strategies", {"name": "sma_cross", "version": "1"}, "trader"),
    ("GET", "/api/v1/configs/PascalStrategy", None, "viewer"),
    ("POST", "/api/v1/configs", {"strategy_name": "PascalStrategy", "config_data": {}}, "trader"),
    ("POST", "/api/v1/configs/PascalStrategy/c1/activate", None, "trader"),
    ("GET", "/api/v1/models", None, "viewer"),
    ("GET", "/api/v1/strategies/PascalStrategy/routing-info", None, "viewer"),
    ("POST", "/api/v1/strategies/PascalStrategy/stage", {"version": "2.0.0"}, "admin"),
    ("POST", "/api/v1/strategies/PascalStrategy/promote", {"version": "2.0.0"}, "admin"),
    ("POST", "/api/v1/models/PascalStrategy/rollback", {}, "admin"),
    ("POST", "/api/v1/strategies/PascalStrategy/ab-test", {"challenger_version": "2.1.0"}, "admin"),
    ("DELETE", "/api/v1/strategies/PascalStrategy/ab-test", None, "admin"),
    ("GET", "/api/v1/catalog/strategies", None, "viewer"),
    ("GET", "/api/v1/catalog/leaderboard", None, "viewer"),
    ("GET", "/api/v1/catalog/strategies/PascalStrategy/performance", None, "viewer"),
]
RANK = {"viewer": 1, "trader": 2, "admin": 3}


@pytest.fixture
def app_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, auth="dev")


@pytest.fixture
def client(app_settings: Settings, tmp_path: Path) -> Iterator[TestClient]:
    container = local_container(
        tmp_path, settings=app_settings, authenticator=build_authenticator(app_settings)
    )
    with TestClient(
        create_app(routers=LIFECYCLE_ROUTERS, settings=app_settings, container=container)
    ) as test:
        yield test


@pytest.mark.parametrize(("method", "path", "body", "least"), ROUTES)
@pytest.mark.parametrize("role", ["viewer", "trader", "admin"])
def test_given_role_when_route_called_then_allowed_only_from_its_least_role(
    client: TestClient, app_settings: Settings, method: str, path: str, body: object, least: str, role: str
) -> None:
    # Given
    token = DevTokenKeys(app_settings.dev_signing_key_path).sign(subject="alice", groups=[role])

    # When
    response = client.request(method, path, json=body, headers={"Authorization": f"Bearer {token}"})
    anonymous = client.request(method, path, json=body)

    # Then: refused exactly below the least role (a 404 for a missing thing still means allowed)
    assert (response.status_code == 403) == (RANK[role] < RANK[least]), response.text
    assert anonymous.status_code == 401
