"""Per-caller rate limits (429 + Retry-After) and the request body cap (413), in the one error shape."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient
from pydantic import BaseModel

from tradai.adapters.file_blobs import FileBlobStore
from tradai.adapters.sqlite_store import SqliteDocumentStore
from tradai.api.app import create_app
from tradai.api.limits import rate_limited
from tradai.bootstrap import Container
from tradai.services.rate_limits import RateLimit
from tradai.settings import Settings

router = APIRouter(prefix="/api/v1/probe", tags=["probe"])


class Payload(BaseModel):
    text: str


@router.post("/limited", dependencies=[Depends(rate_limited("probe", lambda settings: RateLimit(limit=2)))])
def limited() -> dict[str, bool]:
    return {"ok": True}


@router.post("/echo")
def echo(payload: Payload) -> dict[str, int]:
    return {"length": len(payload.text)}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(data_dir=tmp_path, max_body_bytes=4096)
    container = Container(
        settings=settings,
        store=SqliteDocumentStore(tmp_path / "s.sqlite3"),
        blobs=FileBlobStore(tmp_path / "b"),
    )
    with TestClient(create_app(routers=[router], settings=settings, container=container)) as test_client:
        yield test_client


def test_given_limit_of_two_when_third_call_then_429_with_retry_after(client: TestClient) -> None:
    # Given / When
    statuses = [client.post("/api/v1/probe/limited").status_code for _ in range(3)]
    refused = client.post("/api/v1/probe/limited")

    # Then
    assert statuses == [200, 200, 429]
    assert refused.json()["code"] == "RATE_LIMITED"
    assert refused.json()["detail"] == "Rate limit exceeded: 2 per 1 minute"
    assert 1 <= int(refused.headers["retry-after"]) <= 60


def test_given_body_over_the_cap_when_posted_then_413(client: TestClient) -> None:
    response = client.post("/api/v1/probe/echo", json={"text": "x" * 5000})
    assert response.status_code == 413
    assert response.json()["code"] == "PAYLOAD_TOO_LARGE"
    assert response.headers["x-correlation-id"]


def test_given_chunked_body_over_the_cap_when_posted_then_413(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"text": "'
        for _ in range(10):
            yield b"x" * 1000
        yield b'"}'

    response = client.post(
        "/api/v1/probe/echo", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["code"] == "PAYLOAD_TOO_LARGE"


def test_given_body_under_the_cap_when_posted_then_served(client: TestClient) -> None:
    assert client.post("/api/v1/probe/echo", json={"text": "x" * 100}).json() == {"length": 100}
