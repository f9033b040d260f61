"""The backtests and ws_ticket Lambdas, invoked in-process with their sample events, on moto."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import boto3

from tests.events import FakeLambdaContext, load_event, load_handler
from tests.integration.conftest import REGION, TABLE, create_resources, queued_job
from tradai.adapters.dynamo_store import DynamoDocumentStore
from tradai.domain.jobs import JobStatus
from tradai.services.job_repository import JobRepository

JOB_ID = "11111111-2222-4333-8444-555555555555"


def store_job(status: JobStatus) -> None:
    jobs = JobRepository(DynamoDocumentStore(TABLE, client=boto3.client("dynamodb", region_name=REGION)))
    now = datetime(2026, 1, 1, tzinfo=UTC)
    jobs.create(queued_job(JOB_ID, created_at=now))
    if status is not JobStatus.QUEUED:
        jobs.transition(JOB_ID, JobStatus.RUNNING, at=now)
        jobs.transition(JOB_ID, status, at=now, changes={"result": {"total_return": 0.2}})


def invoke(function: str, event: str) -> tuple[int, dict[str, object]]:
    response = load_handler(function).lambda_handler(load_event(event), FakeLambdaContext())
    return int(response["statusCode"]), json.loads(response["body"])


def test_given_completed_job_when_listed_by_status_then_it_is_there(aws_env: None) -> None:
    # Given
    create_resources()
    store_job(JobStatus.COMPLETED)

    # When
    status, body = invoke("backtests", "backtests/list_backtests")

    # Then
    assert status == 200
    assert body["total"] == 1
    assert body["jobs"][0]["result"]["total_return"] == 0.2  # type: ignore[index]


def test_given_no_job_when_read_then_404_in_the_error_shape(aws_env: None) -> None:
    create_resources()
    status, body = invoke("backtests", "backtests/get_backtest")
    assert status == 404
    assert body["code"] == "JOB_NOT_FOUND"


def test_given_queued_job_when_cancelled_then_cancelled(aws_env: None) -> None:
    create_resources()
    store_job(JobStatus.QUEUED)
    status, body = invoke("backtests", "backtests/cancel_backtest")
    assert status == 200
    assert body["status"] == "CANCELLED"


def test_given_job_when_ticket_requested_then_it_points_at_the_websocket_api(aws_env: None) -> None:
    # Given
    create_resources()
    store_job(JobStatus.QUEUED)

    # When
    status, body = invoke("ws_ticket", "ws_ticket/create_ticket")

    # Then
    assert status == 200
    assert body["ws_url"] == f"wss://ws.example.com/dev?job_id={JOB_ID}&ticket={body['ticket']}"
