"""The models Lambda (registry routes, stage and promote), in-process with its sample events, on moto
and an MLflow registry on sqlite (what `TRADAI_MLFLOW_TRACKING_URI` points at in AWS is a server)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest

from tests.events import FakeLambdaContext, load_event, load_handler
from tests.integration.conftest import REGION, TABLE, create_resources
from tradai.adapters.dynamo_store import DynamoDocumentStore
from tradai.adapters.engine_catalog import EngineStrategyCatalog
from tradai.services.demo_strategies import ensure_demo_strategy
from tradai.settings import get_settings

pytestmark = pytest.mark.slow


@pytest.fixture
def registry_env(aws_env: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("TRADAI_MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    get_settings.cache_clear()
    create_resources()
    yield
    get_settings.cache_clear()


def invoke(function: str, event: str) -> tuple[int, dict[str, Any]]:
    response = load_handler(function).lambda_handler(load_event(event), FakeLambdaContext())
    return int(response["statusCode"]), json.loads(response["body"])


def test_given_demo_version_when_force_promoted_then_its_model_version_is_champion(
    registry_env: None,
) -> None:
    # Given
    store = DynamoDocumentStore(TABLE, client=boto3.client("dynamodb", region_name=REGION))
    ensure_demo_strategy(store=store, catalog=EngineStrategyCatalog(), now=datetime(2026, 1, 1, tzinfo=UTC))

    # When
    promoted, promotion = invoke("models", "models/promote_strategy")
    status, body = invoke("models", "models/list_versions")

    # Then
    assert promoted == 200, promotion
    assert status == 200
    assert [(v["version"], v["stage"], v["aliases"]) for v in body["versions"]] == [
        ("2.0.0", "prod", ["champion"])
    ]
