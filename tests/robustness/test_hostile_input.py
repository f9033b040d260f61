"""Hostile input on every route family: 4xx with a code, never a 5xx, and nothing stored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.fakes import local_container
from tests.unit.jobs.test_submit_backtest import body
from tradai.api.app import create_app
from tradai.api.local import ROUTERS
from tradai.bootstrap import Container
from tradai.services.job_repository import JobRepository

LONG = "x" * 10_000
JSON = {"Content-Type": "application/json"}


def _json_with(**raw_values: str) -> bytes:
    """The valid body with some values spliced in as raw JSON text (e.g. numbers no float can hold)."""
    import json

    text = json.dumps(body())
    for name, raw in raw_values.items():
        text = text.replace(f'"{name}": {json.dumps(body()[name])}', f'"{name}": {raw}')
    return text.encode()


INJECTIONS = [
    "' OR 1=1 --",
    '"; DROP TABLE items; --',
    "{{7*7}}",
    "${jndi:ldap://x}",
    "<script>alert(1)</script>",
]


@pytest.fixture
def container(tmp_path: Path) -> Container:
    return local_container(tmp_path)


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(
        create_app(routers=ROUTERS, settings=container.settings, container=container)
    ) as test_client:
        yield test_client


HOSTILE_REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    # (method, url, request kwargs)
    ("GET", "/api/v1/backtests?limit=-1", {}),
    ("GET", "/api/v1/backtests?limit=99999999999999999999", {}),
    ("GET", "/api/v1/backtests?limit=abc", {}),
    ("GET", "/api/v1/backtests?limit=1&limit=2&limit=x", {}),
    ("GET", f"/api/v1/backtests?cursor={LONG}", {}),
    ("GET", "/api/v1/backtests?cursor=%00%01%02", {}),
    ("GET", "/api/v1/backtests?status=../../etc", {}),
    *[("GET", f"/api/v1/backtests?status={value}", {}) for value in INJECTIONS],
    ("GET", "/api/v1/backtests/..%2F..%2Fetc%2Fpasswd", {}),
    ("GET", "/api/v1/backtests/%F0%9F%92%A5", {}),
    ("GET", f"/api/v1/backtests/{LONG}", {}),
    ("GET", "/api/v1/backtests/11111111-2222-4333-8444-555555555555/equity?max_points=-5", {}),
    ("GET", "/api/v1/backtests/11111111-2222-4333-8444-555555555555/report-data?trades_offset=-1", {}),
    ("GET", "/api/v1/backtests/11111111-2222-4333-8444-555555555555/charts/..%2F..%2Fsecret.svg", {}),
    (
        "POST",
        "/api/v1/backtests",
        {"content": b"\xff\xfe\x00garbage", "headers": {"Content-Type": "application/json"}},
    ),
    ("POST", "/api/v1/backtests", {"content": b"[]", "headers": {"Content-Type": "application/json"}}),
    ("POST", "/api/v1/backtests", {"content": b"1e999999", "headers": {"Content-Type": "application/json"}}),
    ("POST", "/api/v1/backtests", {"content": _json_with(capital="1e999"), "headers": JSON}),
    ("POST", "/api/v1/backtests", {"json": body(capital="NaN")}),
    ("POST", "/api/v1/backtests", {"json": body(leverage=-1)}),
    ("POST", "/api/v1/backtests", {"json": body(strategy_config__name=LONG)}),
    ("POST", "/api/v1/backtests", {"json": body(strategy_config__name="sma_cross; rm -rf /")}),
    ("POST", "/api/v1/backtests", {"json": body(strategy_config__parameters={"fast": LONG})}),
    (
        "POST",
        "/api/v1/backtests",
        {"json": body(strategy_config__parameters={f"p{i}": i for i in range(100)})},
    ),
    ("POST", "/api/v1/backtests", {"json": body(symbols=["BTC/USDT:USDT"] * 1000)}),
    ("POST", "/api/v1/backtests", {"json": body(symbols=["💥/USDT"])}),
    ("POST", "/api/v1/backtests", {"json": body(date_range__start="9999-99-99")}),
    ("POST", "/api/v1/backtests", {"json": body(exchange="../../etc")}),
    ("POST", "/api/v1/backtests", {"json": body(mode="sweep", parameter_space={"fast": list(range(200))})}),
    ("POST", "/api/v1/backtests", {"json": body(), "headers": {"Idempotency-Key": LONG}}),
    ("POST", "/api/v1/ws/ticket", {"json": {"job_id": "not-a-uuid"}}),
    ("POST", "/api/v1/ws/ticket", {"json": {"job_id": INJECTIONS[0]}}),
    ("POST", "/api/v1/backtests/not-a-uuid/cancel", {}),
]


@pytest.mark.parametrize(("method", "url", "kwargs"), HOSTILE_REQUESTS)
def test_given_hostile_input_when_sent_then_4xx_with_code_and_nothing_stored(
    client: TestClient, container: Container, method: str, url: str, kwargs: dict[str, Any]
) -> None:
    # When
    response = client.request(method, url, **kwargs)

    # Then
    assert 400 <= response.status_code < 500, response.text
    assert set(response.json()) == {"detail", "code", "timestamp"}
    assert JobRepository(container.store).count() == 0
