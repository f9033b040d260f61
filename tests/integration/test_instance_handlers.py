"""The instances Lambda in-process with its sample events, on the AWS runtime: DynamoDB and ECS on moto."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from tests.events import FakeLambdaContext, load_event, load_handler
from tests.fakes import strategy_instance
from tests.integration.conftest import REGION, TABLE, create_resources, create_worker_cluster
from tests.integration.test_backtest_handlers import invoke
from tradai.adapters.dynamo_store import DynamoDocumentStore
from tradai.adapters.ecs_instances import EcsInstanceRunner
from tradai.domain.instances import InstanceStatus, StrategyInstance
from tradai.services.instance_repository import InstanceRepository
from tradai.settings import get_settings

INSTANCE_ID = "0b6f1c9e-5d1a-4c3e-9f7a-2d8e4b6a1c01"  # the instance the sample events name


@pytest.fixture
def cluster(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """The table, and the ECS cluster and worker task definition the compute stack creates."""
    create_resources()
    subnet = create_worker_cluster("tradai-dev", "tradai-worker-dev")["subnet"]
    monkeypatch.setenv("TRADAI_INSTANCE_SUBNETS", subnet)
    get_settings.cache_clear()


def running_instance() -> StrategyInstance:
    """An instance whose task runs on the cluster, stored as `run` stores it."""
    settings = get_settings()
    instance = strategy_instance(
        instance_id=INSTANCE_ID,
        strategy_name="PascalStrategy",
        strategy_version="2.0.0",
        capital=10_000,
        status=InstanceStatus.RUNNING,
    )
    runner = EcsInstanceRunner(
        settings, ecs=boto3.client("ecs", region_name=REGION), logs=boto3.client("logs", region_name=REGION)
    )
    instance = instance.model_copy(update={"runtime_ref": runner.launch(instance)})
    store = DynamoDocumentStore(TABLE, client=boto3.client("dynamodb", region_name=REGION))
    InstanceRepository(store).create(instance)
    return instance


def test_given_task_running_when_listed_and_stopped_through_lambda_then_running_then_stopped(
    cluster: None,
) -> None:
    # Given
    running_instance()

    # When
    list_status, listed = invoke("instances", "instances/list_instances")
    stop_status, stopped = invoke("instances", "instances/stop_instance")
    status_status, status = invoke("instances", "instances/get_trading_status")

    # Then: DescribeTasks says running; StopTask ends it; the status counts it stopped
    assert list_status == 200
    assert [(item["instance_id"], item["status"]) for item in listed["instances"]] == [  # type: ignore[attr-defined]
        (INSTANCE_ID, "running")
    ]
    assert (stop_status, stopped["status"]) == (200, "stopped")
    assert status_status == 200
    assert status["summary"] == {  # type: ignore[comparison-overlap]
        "running": 0, "paused": 0, "stopped": 1, "failed": 0, "starting": 0, "stopping": 0, "total": 1,
    }  # fmt: skip


def test_given_aws_runtime_without_live_trading_when_live_run_invoked_then_403_with_code(
    cluster: None,
) -> None:
    # Given
    event: dict[str, Any] = load_event("instances/run_strategy")
    event["body"] = json.dumps({"mode": "live", "capital": 100})

    # When
    response = load_handler("instances").lambda_handler(event, FakeLambdaContext())

    # Then
    body = json.loads(response["body"])
    assert (response["statusCode"], body["code"]) == (403, "LIVE_TRADING_DISABLED")


def test_given_malformed_run_body_when_invoked_then_422_in_the_error_shape(cluster: None) -> None:
    # Given
    event: dict[str, Any] = load_event("instances/run_strategy")
    event["body"] = json.dumps({"mode": "paper"})

    # When
    response = load_handler("instances").lambda_handler(event, FakeLambdaContext())

    # Then
    body = json.loads(response["body"])
    assert response["statusCode"] == 422
    assert (set(body), body["code"]) == ({"detail", "code", "timestamp"}, "VALIDATION_ERROR")
