"""The auth matrix over every route the local server mounts, read from the app itself.

Each HTTP operation is called once per token case. Without a valid token every route but the
public ones answers 401 in the error shape with `WWW-Authenticate: Bearer`; a valid token below the
route's least role gets 403; the least role and above are served (any status but 401/403: the
placeholder ids and empty bodies sent here may well be a 404 or 422). The least role comes from
the policy below, not from the route's own declaration, so a route added without an auth
dependency, or with a weaker one than the policy asks, fails this test. The matrix this test sees
is the one published in docs/security.md.
"""

from __future__ import annotations

import re
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from tests.fakes import FakeExchange, FakeInstanceRunner, local_container
from tests.fakes_registry import FakeModelRegistry
from tests.unit.jobs.conftest import RecordingExecutor
from tradai.adapters.dev_keys import DevTokenKeys
from tradai.api.app import create_app
from tradai.api.local import ROUTERS
from tradai.api.routers import data
from tradai.bootstrap import build_authenticator
from tradai.domain.identity import Role
from tradai.settings import Settings

DOCS = Path(__file__).resolve().parents[2] / "docs" / "security.md"
PUBLIC = {("GET", "/api/v1/health")}
"""HTTP operations served without a token (the docs pages and the spec are public too)."""
PUBLIC_PAGES = ["/docs", "/redoc", "/openapi.json"]

ADMIN_SUFFIXES = ("/stage", "/promote", "/rollback", "/ab-test")


def least_role(method: str, path: str) -> Role:
    """The policy of issue 11: viewers read; traders submit backtests, sync data, run dry-run
    instances and edit configs; admins promote, roll back, run live, edit budgets and delete."""
    if method == "GET" or path == "/api/v1/ws/ticket":  # a ticket only lets its holder watch a job
        return Role.VIEWER
    if method == "DELETE" or path.startswith("/api/v1/budget/") or path.endswith(ADMIN_SUFFIXES):
        return Role.ADMIN
    return Role.TRADER


@dataclass(frozen=True)
class Operation:
    """One request to make: an HTTP operation of the app with placeholder path values and a body."""

    family: str
    method: str
    template: str
    least: Role
    body: dict[str, Any] | None = None

    @property
    def url(self) -> str:
        return re.sub(r"{(\w+)(?::\w+)?}", lambda match: _placeholder(match.group(1)), self.template)


_PLACEHOLDERS = {
    "job_id": str(uuid.UUID(int=1)),
    "instance_id": str(uuid.UUID(int=2)),
    "strategy_id": "sma_cross",
    "name": "sma_cross",
    "config_name": "sma_cross",
    "strategy_name": "sma_cross",
    "config_id": "c1",
    "client_order_id": "o1",
    "currency": "USDT",
    "chart": "equity",
}


def _placeholder(name: str) -> str:
    return _PLACEHOLDERS.get(name, "x")


def operations_of(app: FastAPI) -> list[Operation]:
    """Every HTTP operation the app routes, from its router tree (not from a list kept by hand)."""
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute):
            continue  # the docs pages (checked apart) and the WebSocket route (ticket-checked)
        family = route.endpoint.__module__.rsplit(".", 1)[-1]
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            found.append(Operation(family, method, route.path, least_role(method, route.path)))
    return found


def with_live_run(operations: list[Operation]) -> list[Operation]:
    """Add the one case where the body raises the role: running a strategy live needs an admin."""
    run = [op for op in operations if op.template.endswith("/run")]
    live = [
        Operation(
            f"{op.family} (live)", op.method, op.template, Role.ADMIN, {"mode": "live", "capital": 1000}
        )
        for op in run
    ]
    return operations + live


@pytest.fixture(scope="module")
def app_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    # Live trading allowed, so an admin's live run is refused only for missing keys (409), not 403.
    return Settings(data_dir=tmp_path_factory.mktemp("auth-matrix"), auth="dev", live_trading=True)


def build(app_settings: Settings, routers: list[APIRouter]) -> FastAPI:
    container = local_container(
        app_settings.data_dir,
        settings=app_settings,
        authenticator=build_authenticator(app_settings),
        executor=RecordingExecutor(),
        registry=FakeModelRegistry(),
        instance_runner=FakeInstanceRunner(),
    )
    app = create_app(routers=routers, settings=app_settings, container=container)
    app.dependency_overrides[data.get_exchange] = lambda: FakeExchange()
    return app


@pytest.fixture(scope="module")
def client(app_settings: Settings) -> Iterator[TestClient]:
    with TestClient(build(app_settings, ROUTERS)) as test_client:
        yield test_client


def tokens(app_settings: Settings) -> dict[str, dict[str, str]]:
    """Token case -> request headers."""
    keys = DevTokenKeys(app_settings.dev_signing_key_path)
    stranger = DevTokenKeys(app_settings.data_dir / "stranger.pem")  # same key id, another key

    def bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    return {
        "no token": {},
        "malformed": bearer("not.a.token"),
        "Basic scheme": {"Authorization": "Basic YWxpY2U6c2VjcmV0"},
        "expired": bearer(keys.sign(subject="alice", groups=["admin"], now=time.time() - 7200)),
        "forged": bearer(stranger.sign(subject="mallory", groups=["admin"])),
        "viewer": bearer(keys.sign(subject="vera", groups=["viewer"])),
        "trader": bearer(keys.sign(subject="tom", groups=["trader"])),
        "admin": bearer(keys.sign(subject="ada", groups=["admin"])),
    }


ROLE_OF_CASE = {"viewer": Role.VIEWER, "trader": Role.TRADER, "admin": Role.ADMIN}


def expected(case: str, operation: Operation) -> str:
    """What a token case must get from an operation: 401, 403 or served."""
    if (operation.method, operation.template) in PUBLIC:
        return "served"
    role = ROLE_OF_CASE.get(case)
    if role is None:
        return "401"
    return "403" if role < operation.least else "served"


def observed(response: Any) -> str:
    return str(response.status_code) if response.status_code in (401, 403) else "served"


def violations(client: TestClient, case: str, headers: dict[str, str], ops: list[Operation]) -> list[str]:
    """The operations whose answer to this token case breaks the policy, each with what it said."""
    wrong = []
    for op in ops:
        response = client.request(op.method, op.url, headers=headers, json=op.body)
        want, got = expected(case, op), observed(response)
        if got == "401" and (
            response.headers.get("www-authenticate") != "Bearer"
            or response.json()["detail"] != "Not authenticated"
            or response.json()["code"] != "NOT_AUTHENTICATED"
        ):
            got = "401 without the challenge or the error shape"
        if got == "403" and response.json()["code"] != "FORBIDDEN":
            got = f"403 {response.json()['code']}"
        if got == "served" and response.status_code >= 500:
            got = f"{response.status_code}"
        if want != got:
            wrong.append(
                f"{op.method} {op.url} {op.body or ''}: wanted {want}, got {got} ({response.text[:120]})"
            )
    return wrong


CASES = ["no token", "malformed", "Basic scheme", "expired", "forged", "viewer", "trader", "admin"]


@pytest.mark.parametrize("case", CASES)
def test_given_token_case_when_every_route_called_then_401_403_or_served_as_the_policy_says(
    client: TestClient, app_settings: Settings, case: str
) -> None:
    # Given
    ops = with_live_run(operations_of(client.app))  # type: ignore[arg-type]
    headers = tokens(app_settings)[case]

    # When
    wrong = violations(client, case, headers, ops)

    # Then
    assert wrong == []


def test_given_app_when_routes_read_then_every_spec_operation_is_among_them_and_the_list_is_whole(
    client: TestClient,
) -> None:
    # Given
    spec = client.get("/openapi.json").json()
    in_spec = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}

    # When
    routed = {(op.method, re.sub(r":\w+}", "}", op.template)) for op in operations_of(client.app)}  # type: ignore[arg-type]

    # Then: the matrix walks every operation clients can see, and the spec hides none
    assert routed == in_spec
    assert len(routed) >= 66
    assert {op.family for op in operations_of(client.app)} >= {  # type: ignore[arg-type]
        "backtests", "data", "instances", "strategies", "configs", "catalog", "models", "ab_tests",
        "promotions", "trading", "budget", "strategy_ledger", "ws", "health",
    }  # fmt: skip


@pytest.mark.parametrize("page", PUBLIC_PAGES)
def test_given_auth_on_when_docs_pages_fetched_without_token_then_served(
    client: TestClient, page: str
) -> None:
    assert client.get(page).status_code == 200


def test_given_a_route_without_auth_when_matrix_checked_then_it_is_reported(app_settings: Settings) -> None:
    # Given: a route someone forgot to protect, next to a protected one
    probe = APIRouter(prefix="/api/v1/probe")

    @probe.post("/forgotten")
    def forgotten() -> dict[str, str]:
        return {"ok": "yes"}

    with TestClient(build(app_settings, [probe, *ROUTERS])) as test_client:
        ops = operations_of(test_client.app)  # type: ignore[arg-type]

        # When
        wrong = violations(test_client, "no token", {}, ops)

    # Then: exactly the forgotten route
    assert [line.split(":")[0] for line in wrong] == ["POST /api/v1/probe/forgotten "]


def test_given_a_trader_route_where_admin_is_due_when_matrix_checked_then_it_is_reported(
    app_settings: Settings,
) -> None:
    # Given: a promote route guarded only by the trader role
    from tradai.api.auth import Trader

    probe = APIRouter(prefix="/api/v1/probe")

    @probe.post("/{name}/promote")
    def weak_promote(_: Trader, name: str) -> dict[str, str]:
        return {"promoted": name}

    with TestClient(build(app_settings, [probe])) as test_client:
        ops = operations_of(test_client.app)  # type: ignore[arg-type]

        # When
        wrong = violations(test_client, "trader", tokens(app_settings)["trader"], ops)

    # Then
    assert len(wrong) == 1
    assert "wanted 403, got served" in wrong[0]


# --- the published matrix ------------------------------------------------------------------------

ROLE_NAMES = {Role.VIEWER: "viewer", Role.TRADER: "trader", Role.ADMIN: "admin"}
ROLE_ORDER = ["public", "viewer", "trader", "admin"]


def row_of(op: Operation) -> tuple[str, str]:
    """The matrix row an operation falls in: its family and least role (or `public`)."""
    return op.family, "public" if (op.method, op.template) in PUBLIC else ROLE_NAMES[op.least]


def render_matrix(ops: list[Operation], cell: Callable[[str, Operation], str]) -> str:
    """The markdown table of docs/security.md: one row per route family and least role."""
    by_row: dict[tuple[str, str], list[Operation]] = defaultdict(list)
    for op in ops:
        by_row[row_of(op)].append(op)
    lines = [
        "| route family | least role | " + " | ".join(CASES) + " |",
        "|---|---|" + "---|" * len(CASES),
    ]
    families = list(dict.fromkeys(family for family, _ in by_row))
    rows = sorted(by_row.items(), key=lambda row: (families.index(row[0][0]), ROLE_ORDER.index(row[0][1])))
    for (family, role), members in rows:
        cells = []
        for case in CASES:
            statuses = sorted({cell(case, op) for op in members})
            cells.append(", ".join(statuses))
        lines.append(f"| {family} | {role} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def test_given_the_matrix_when_rendered_then_docs_security_publishes_it(client: TestClient) -> None:
    # Given: what every token case is held to above, per route family
    ops = with_live_run(operations_of(client.app))  # type: ignore[arg-type]

    # When
    table = render_matrix(ops, expected)

    # Then
    assert table in DOCS.read_text(), f"docs/security.md should carry this matrix:\n{table}"
