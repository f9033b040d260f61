"""The ECS instance runner on moto: RunTask with the worker command, DescribeTasks, StopTask,
ListTasks for health, and the instance's log lines from CloudWatch Logs."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.fakes import strategy_instance
from tests.integration.conftest import create_worker_cluster
from tradai.adapters.ecs_instances import EcsInstanceRunner
from tradai.domain.errors import Unavailable
from tradai.domain.instances import StrategyInstance
from tradai.settings import Settings

REGION = "eu-central-1"


def settings_for(network: dict[str, str], cluster: str = "tradai-test") -> Settings:
    return Settings(
        runtime="aws",
        ecs_cluster=cluster,
        instance_task_definition="tradai-worker-test",
        instance_subnets=[network["subnet"]],
        instance_security_groups=[network["security_group"]],
        instance_log_group="/tradai/test/worker",
    )


@pytest.fixture
def aws() -> Iterator[dict[str, Any]]:
    with mock_aws():
        ecs = boto3.client("ecs", region_name=REGION)
        logs = boto3.client("logs", region_name=REGION)
        network = create_worker_cluster("tradai-test", "tradai-worker-test")
        logs.create_log_group(logGroupName="/tradai/test/worker")
        yield {"ecs": ecs, "logs": logs, "network": network}


@pytest.fixture
def runner(aws: dict[str, Any]) -> EcsInstanceRunner:
    return EcsInstanceRunner(settings_for(aws["network"]), ecs=aws["ecs"], logs=aws["logs"])


def instance(runtime_ref: str | None = None) -> StrategyInstance:
    return strategy_instance(
        strategy_name="PascalStrategy", strategy_version="2.0.0", runtime_ref=runtime_ref
    )


def test_given_cluster_when_launched_then_worker_task_runs_the_instance_command(
    runner: EcsInstanceRunner, aws: dict[str, Any]
) -> None:
    # When
    arn = runner.launch(instance())

    # Then: one task of the worker definition, started by TradAI, with the instance command
    task = aws["ecs"].describe_tasks(cluster="tradai-test", tasks=[arn])["tasks"][0]
    assert arn.startswith("arn:aws:ecs:")
    assert "tradai-worker-test" in task["taskDefinitionArn"]
    assert task["startedBy"] == "tradai-instances"
    override = task["overrides"]["containerOverrides"][0]
    assert override["name"] == "worker"
    assert override["command"] == [
        "tradai", "worker", "instance", "--instance-id", "7d3f2a1e-0000-4000-8000-000000000001",
    ]  # fmt: skip
    assert [attachment["type"] for attachment in task["attachments"]] == ["ElasticNetworkInterface"]
    assert runner.state(instance(arn)).alive
    runner.ping()
    listed = aws["ecs"].list_tasks(cluster="tradai-test", startedBy="tradai-instances")["taskArns"]
    assert listed == [arn]


def test_given_running_task_when_stopped_then_reads_as_gone_with_reason(runner: EcsInstanceRunner) -> None:
    # Given
    running = instance(runner.launch(instance()))

    # When
    gone = runner.stop(running, timeout_seconds=30)

    # Then
    state = runner.state(running)
    assert gone
    assert not state.alive
    assert "stopped by TradAI" in str(state.detail)


def test_given_log_events_when_logs_read_then_parsed_lines_newest_last_and_since_filters(
    runner: EcsInstanceRunner, aws: dict[str, Any]
) -> None:
    # Given the awslogs stream of the task
    arn = runner.launch(instance())
    stream = f"worker/worker/{arn.rsplit('/', 1)[-1]}"
    aws["logs"].create_log_stream(logGroupName="/tradai/test/worker", logStreamName=stream)
    now_ms = int(datetime.now(UTC).timestamp() * 1000)
    events = [
        {"timestamp": now_ms - 3000, "message": json.dumps({"level": "INFO", "message": "instance started"})},
        {"timestamp": now_ms - 2000, "message": "Traceback (most recent call last):"},
        {"timestamp": now_ms - 1000, "message": json.dumps({"level": "ERROR", "message": "instance failed"})},
    ]
    aws["logs"].put_log_events(logGroupName="/tradai/test/worker", logStreamName=stream, logEvents=events)

    # When
    lines = runner.logs(instance(arn), limit=2)
    recent = runner.logs(instance(arn), limit=10, since=datetime.fromtimestamp((now_ms - 1500) / 1000, UTC))

    # Then
    assert [(line.level, line.message) for line in lines] == [
        (None, "Traceback (most recent call last):"),
        ("ERROR", "instance failed"),
    ]
    assert all(line.timestamp is not None for line in lines)
    assert [line.message for line in recent] == ["instance failed"]


def test_given_task_without_logs_yet_when_logs_read_then_empty(runner: EcsInstanceRunner) -> None:
    assert runner.logs(instance(runner.launch(instance())), limit=10) == []


def test_given_missing_cluster_when_launched_then_unavailable_naming_the_cluster(
    aws: dict[str, Any],
) -> None:
    # Given
    runner = EcsInstanceRunner(settings_for(aws["network"], cluster="nope"), ecs=aws["ecs"], logs=aws["logs"])

    # When / Then
    with pytest.raises(Unavailable, match="nope"):
        runner.launch(instance())


class CountingEcs:
    """The moto ECS client, counting DescribeTasks calls and the tasks each asked about."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.described: list[int] = []

    def describe_tasks(self, **request: Any) -> Any:
        self.described.append(len(request["tasks"]))
        return self._client.describe_tasks(**request)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def test_given_many_instances_when_states_read_then_one_describe_tasks_per_hundred(
    aws: dict[str, Any],
) -> None:
    # Given three running tasks and one that was stopped
    ecs = CountingEcs(aws["ecs"])
    runner = EcsInstanceRunner(settings_for(aws["network"]), ecs=ecs, logs=aws["logs"])
    instances = [
        strategy_instance(
            instance_id=f"00000000-0000-4000-8000-00000000000{n}", runtime_ref=runner.launch(instance())
        )
        for n in range(4)
    ]
    aws["ecs"].stop_task(cluster="tradai-test", task=instances[3].runtime_ref, reason="gone")

    # When
    states = runner.states(instances)

    # Then: every state from a single DescribeTasks call
    assert ecs.described == [4]
    assert [states[item.instance_id].alive for item in instances] == [True, True, True, False]
    assert "gone" in str(states[instances[3].instance_id].detail)
