"""Roles on the trading surface: viewers read everything, only admins change budgets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.fakes import local_container
from tests.unit.test_api_auth import token_for
from tradai.api.app import create_app
from tradai.api.routers import budget, strategy_ledger, trading
from tradai.bootstrap import build_authenticator
from tradai.settings import Settings

READS = [
    "/api/v1/trading/orders",
    "/api/v1/trading/audit",
    "/api/v1/budget/registry",
    "/api/v1/strategies/pnl",
    "/api/v1/strategies/s1/trades",
]
EDITS = [("PUT", "/api/v1/budget/s1/USDT"), ("DELETE", "/api/v1/budget/s1/USDT")]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, auth="dev")


@pytest.fixture
def client(settings: Settings, tmp_path: Path) -> Iterator[TestClient]:
    container = local_container(tmp_path, settings=settings, authenticator=build_authenticator(settings))
    routers = [trading.router, budget.router, strategy_ledger.router]
    app = create_app(routers=routers, settings=settings, container=container)
    with TestClient(app) as test_client:
        yield test_client


@pytest.mark.parametrize(("role", "expected"), [(None, 401), ("viewer", 200)])
def test_given_role_when_trading_read_then_viewer_suffices(
    client: TestClient, settings: Settings, role: str | None, expected: int
) -> None:
    # Given
    headers = token_for(settings, role) if role else {}

    # When
    statuses = {path: client.get(path, headers=headers).status_code for path in READS}

    # Then
    assert set(statuses.values()) == {expected}


@pytest.mark.parametrize(("role", "expected"), [("viewer", 403), ("trader", 403), ("admin", 200)])
def test_given_role_when_budget_changed_then_only_admin_may(
    client: TestClient, settings: Settings, role: str, expected: int
) -> None:
    # Given
    headers = token_for(settings, role)

    # When: set a cap, then delete it
    statuses = [
        client.request(
            method, path, headers=headers, json={"allocated": 10} if method == "PUT" else None
        ).status_code
        for method, path in EDITS
    ]

    # Then
    assert statuses == [expected, 204 if expected == 200 else expected]
