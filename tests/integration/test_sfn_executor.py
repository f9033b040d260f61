"""The Step Functions executor against moto: started by job id, retries start nothing new, cancel stops."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.events import FakeLambdaContext, load_event, load_handler
from tests.integration.conftest import REGION, create_resources
from tests.integration.test_backtest_handlers import JOB_ID, store_job
from tradai.adapters.sfn_executor import StepFunctionsJobExecutor
from tradai.bootstrap import build_container
from tradai.domain.jobs import JobStatus
from tradai.settings import Settings

ROLE = "arn:aws:iam::123456789012:role/tradai-backtest-state-machine"
PASS_ONLY = json.dumps({"StartAt": "Wait", "States": {"Wait": {"Type": "Pass", "End": True}}})


def create_state_machine() -> str:
    client = boto3.client("stepfunctions", region_name=REGION)
    arn: str = client.create_state_machine(name="tradai-backtest", definition=PASS_ONLY, roleArn=ROLE)[
        "stateMachineArn"
    ]
    return arn


@pytest.fixture
def sfn() -> Iterator[tuple[Any, StepFunctionsJobExecutor]]:
    with mock_aws():  # executions are recorded, not run: they stay RUNNING until stopped
        arn = create_state_machine()
        client = boto3.client("stepfunctions", region_name=REGION)
        yield client, StepFunctionsJobExecutor(state_machine_arn=arn, client=client)


def executions(client: Any) -> list[dict[str, Any]]:
    machines = client.list_state_machines()["stateMachines"]
    found: list[dict[str, Any]] = client.list_executions(stateMachineArn=machines[0]["stateMachineArn"])[
        "executions"
    ]
    return found


def test_given_job_when_submitted_then_one_execution_named_by_the_job_id(
    sfn: tuple[Any, StepFunctionsJobExecutor],
) -> None:
    # Given
    client, executor = sfn

    # When
    executor.submit(JOB_ID)

    # Then
    [execution] = executions(client)
    assert execution["name"] == JOB_ID
    assert execution["executionArn"] == executor.execution_arn(JOB_ID)
    described = client.describe_execution(executionArn=execution["executionArn"])
    assert json.loads(described["input"]) == {"job_id": JOB_ID}


def test_given_started_job_when_submitted_again_then_no_second_execution_and_no_error(
    sfn: tuple[Any, StepFunctionsJobExecutor],
) -> None:
    # Given
    client, executor = sfn
    executor.submit(JOB_ID)

    # When: a retry (e.g. botocore retrying a StartExecution whose answer was lost)
    executor.submit(JOB_ID)

    # Then
    assert [execution["name"] for execution in executions(client)] == [JOB_ID]


def test_given_running_execution_when_cancelled_then_stopped(
    sfn: tuple[Any, StepFunctionsJobExecutor],
) -> None:
    # Given
    client, executor = sfn
    executor.submit(JOB_ID)

    # When
    executor.cancel(JOB_ID)

    # Then
    assert client.describe_execution(executionArn=executor.execution_arn(JOB_ID))["status"] == "ABORTED"


def test_given_no_execution_when_cancelled_then_nothing_happens(
    sfn: tuple[Any, StepFunctionsJobExecutor],
) -> None:
    _, executor = sfn
    executor.cancel(JOB_ID)  # e.g. cancelled before the submit reached Step Functions


def test_given_unknown_state_machine_when_submitted_then_unavailable() -> None:
    from tradai.domain.errors import Unavailable

    with mock_aws():
        executor = StepFunctionsJobExecutor(
            state_machine_arn="arn:aws:states:eu-central-1:123456789012:stateMachine:missing",
            client=boto3.client("stepfunctions", region_name=REGION),
        )
        with pytest.raises(Unavailable):
            executor.submit(JOB_ID)


def test_given_aws_settings_with_a_state_machine_then_the_container_runs_jobs_on_it() -> None:
    arn = "arn:aws:states:eu-central-1:123456789012:stateMachine:tradai-backtest"
    container = build_container(Settings(runtime="aws", backtest_state_machine_arn=arn))
    assert isinstance(container.executor, StepFunctionsJobExecutor)
    assert build_container(Settings(runtime="aws")).executor is None


def test_given_running_job_when_cancelled_through_the_lambda_then_cancelled_and_execution_stopped(
    aws_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given: a job running on the state machine
    from tradai.settings import get_settings

    create_resources()
    arn = create_state_machine()
    monkeypatch.setenv("TRADAI_BACKTEST_STATE_MACHINE_ARN", arn)
    get_settings.cache_clear()
    store_job(JobStatus.QUEUED)
    client = boto3.client("stepfunctions", region_name=REGION)
    StepFunctionsJobExecutor(state_machine_arn=arn, client=client).submit(JOB_ID)

    # When
    response = load_handler("backtests").lambda_handler(
        load_event("backtests/cancel_backtest"), FakeLambdaContext()
    )

    # Then
    assert response["statusCode"] == 200
    assert json.loads(response["body"])["status"] == "CANCELLED"
    [execution] = executions(client)
    assert execution["status"] == "ABORTED"
