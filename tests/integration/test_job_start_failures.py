"""A backtest whose StartExecution fails never stays QUEUED: throttling is retried with backoff, and
what still fails marks the job FAILED and answers 503 JOB_NOT_STARTED.

The container is the production one (`build_container` for `TRADAI_RUNTIME=aws`, DynamoDB and Step
Functions on moto, botocore's real retry mode); failures are injected at the HTTP layer, before
moto answers, so botocore's own retry logic sees them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.endpoint
import pytest
from botocore.awsrequest import AWSResponse
from fastapi.testclient import TestClient

from tests.fakes import FakeMarketData
from tests.integration.conftest import REGION, create_resources
from tests.integration.test_sfn_executor import create_state_machine, executions
from tests.unit.jobs.test_submit_backtest import BODY
from tradai.api.app import create_app
from tradai.api.routers import backtest_submission, backtests
from tradai.bootstrap import START_EXECUTION_ATTEMPTS, build_container
from tradai.domain.jobs import JobStatus
from tradai.services.job_repository import JobRepository
from tradai.settings import get_settings

START_EXECUTION = "before-send.sfn.StartExecution"


class _Body:
    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._data


@dataclass
class InjectedFailures:
    """Answers the first `times` StartExecution requests with the AWS error `code`; the rest reach moto."""

    code: str = "ThrottlingException"
    times: int = 0
    attempts: int = 0
    backoffs: list[float] = field(default_factory=list)

    def __call__(self, request: Any, **_: Any) -> AWSResponse | None:
        self.attempts += 1
        if self.attempts > self.times:
            return None
        # moto answers every `before-send` too (the first answer wins, but moto would still record
        # the execution): a URL it does not serve keeps the injected failure from reaching it.
        request.url = "https://injected-failure.invalid/"
        body = json.dumps({"__type": self.code, "message": "injected"}).encode()
        return AWSResponse(request.url, 400, {"Content-Type": "application/x-amz-json-1.0"}, _Body(body))

    def sleep(self, seconds: float) -> None:
        """botocore's pause between attempts, recorded instead of waited."""
        self.backoffs.append(seconds)


@pytest.fixture
def failures(aws_env: None, monkeypatch: pytest.MonkeyPatch) -> InjectedFailures:
    injected = InjectedFailures()
    session = boto3.setup_default_session(region_name=REGION) or boto3.DEFAULT_SESSION
    assert session is not None
    session.events.register_first(START_EXECUTION, injected)
    monkeypatch.setattr(botocore.endpoint, "time", injected)  # only `time.sleep` is used there
    return injected


@pytest.fixture
def client(failures: InjectedFailures, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """The backtests routes of the AWS container (its state machine exists unless a test deletes it)."""
    create_resources()
    monkeypatch.setenv("TRADAI_BACKTEST_STATE_MACHINE_ARN", create_state_machine())
    get_settings.cache_clear()
    container = build_container(get_settings())
    container.market_data = FakeMarketData.walking()
    app = create_app(
        routers=[backtest_submission.router, backtests.router],
        settings=container.settings,
        container=container,
    )
    with TestClient(app) as test_client:
        yield test_client


def stored_status(job_id: str) -> tuple[JobStatus, dict[str, Any] | None]:
    container = build_container(get_settings())
    job = JobRepository(container.store).get(job_id)
    return job.status, job.error.model_dump() if job.error else None


def only_job_id(client: TestClient) -> str:
    [job] = client.get("/api/v1/backtests").json()["jobs"]
    return str(job["job_id"])


def sfn() -> Any:
    return boto3.client("stepfunctions", region_name=REGION)


def test_given_start_execution_throttled_twice_when_submitted_then_retried_with_backoff_and_queued(
    client: TestClient, failures: InjectedFailures
) -> None:
    # Given
    failures.times = 2

    # When
    response = client.post("/api/v1/backtests", json=BODY)

    # Then: the third attempt started the execution, after two growing pauses
    assert response.status_code == 201
    assert response.json()["status"] == "QUEUED"
    assert failures.attempts == 3
    assert len(failures.backoffs) == 2
    assert [execution["name"] for execution in executions(sfn())] == [response.json()["job_id"]]


def test_given_start_execution_throttled_past_retries_when_submitted_then_503_and_job_failed(
    client: TestClient, failures: InjectedFailures
) -> None:
    # Given
    failures.times = START_EXECUTION_ATTEMPTS

    # When
    response = client.post("/api/v1/backtests", json=BODY, headers={"Idempotency-Key": "k1"})

    # Then: every attempt was made, the caller is told to come back, the job is not left QUEUED
    assert failures.attempts == START_EXECUTION_ATTEMPTS
    assert response.status_code == 503
    assert response.json()["code"] == "JOB_NOT_STARTED"
    assert int(response.headers["retry-after"]) >= 5
    status, error = stored_status(only_job_id(client))
    assert status is JobStatus.FAILED
    assert error is not None
    assert error["code"] == "JOB_NOT_STARTED"
    assert "ThrottlingException" in error["message"]
    assert executions(sfn()) == []


def test_given_a_submission_that_could_not_start_when_retried_with_its_key_then_a_new_job_starts(
    client: TestClient, failures: InjectedFailures
) -> None:
    # Given
    failures.times = START_EXECUTION_ATTEMPTS
    assert client.post("/api/v1/backtests", json=BODY, headers={"Idempotency-Key": "k1"}).status_code == 503
    failed_id = only_job_id(client)

    # When: Step Functions recovered
    retried = client.post("/api/v1/backtests", json=BODY, headers={"Idempotency-Key": "k1"})

    # Then: the key's job never ran, so the key is free: the retry is a fresh job that runs
    assert retried.status_code == 201
    assert retried.json()["job_id"] != failed_id
    assert [execution["name"] for execution in executions(sfn())] == [retried.json()["job_id"]]


def test_given_access_denied_when_submitted_then_not_retried_and_job_failed_with_the_cause(
    client: TestClient, failures: InjectedFailures
) -> None:
    # Given
    failures.code, failures.times = "AccessDeniedException", 1

    # When
    response = client.post("/api/v1/backtests", json=BODY)

    # Then
    assert failures.attempts == 1
    assert response.status_code == 503
    assert response.json()["code"] == "JOB_NOT_STARTED"
    status, error = stored_status(only_job_id(client))
    assert status is JobStatus.FAILED
    assert error is not None
    assert "AccessDeniedException" in error["message"]


def test_given_the_state_machine_is_missing_when_submitted_then_job_failed_with_the_cause(
    client: TestClient,
) -> None:
    # Given
    client_sfn = sfn()
    for machine in client_sfn.list_state_machines()["stateMachines"]:
        client_sfn.delete_state_machine(stateMachineArn=machine["stateMachineArn"])

    # When
    response = client.post("/api/v1/backtests", json=BODY)

    # Then
    assert response.status_code == 503
    assert response.json()["code"] == "JOB_NOT_STARTED"
    status, error = stored_status(only_job_id(client))
    assert status is JobStatus.FAILED
    assert error is not None
    assert "StateMachineDoesNotExist" in error["message"]
