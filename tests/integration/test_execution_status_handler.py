"""functions/execution_status in-process on moto: an execution that ended outside the definition's
Catch (timed out as a whole, stopped from the console, MarkFailed itself failing) still ends its job,
and a job that already ended is never overwritten."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests.events import FakeLambdaContext, load_event, load_handler
from tests.integration.conftest import REGION, create_resources
from tests.integration.test_backtest_handlers import JOB_ID, store_job
from tradai import backtest_steps
from tradai.adapters.dynamo_store import DynamoDocumentStore
from tradai.domain.jobs import BacktestJob, JobStatus
from tradai.services.job_repository import JobRepository
from tradai.settings import get_settings


@pytest.fixture
def table(aws_env: None) -> Iterator[JobRepository]:
    backtest_steps._container.cache_clear()
    create_resources()
    client = boto3.client("dynamodb", region_name=REGION)
    yield JobRepository(DynamoDocumentStore(get_settings().table_name, client=client))
    backtest_steps._container.cache_clear()


def invoke(event: dict[str, Any]) -> dict[str, Any]:
    response: dict[str, Any] = load_handler("execution_status").lambda_handler(event, FakeLambdaContext())
    return response


def job(jobs: JobRepository) -> BacktestJob:
    return jobs.get(JOB_ID)


def test_given_running_job_when_its_execution_timed_out_then_failed_with_the_reason(
    table: JobRepository,
) -> None:
    # Given: the machine's 12 h limit hit while chunks ran (no Catch sees an execution timeout)
    _running(table)

    # When
    response = invoke(load_event("execution_status/timed_out"))

    # Then
    assert response == {"job_id": JOB_ID, "status": "FAILED"}
    ended = job(table)
    assert ended.status is JobStatus.FAILED
    assert ended.error is not None
    assert ended.error.code == "EXECUTION_TIMED_OUT"
    assert "timed out" in ended.error.message
    assert "States.Timeout" in ended.error.message
    assert ended.completed_at is not None
    assert ended.completed_at.isoformat().startswith("2026-11-27T15:00:00")
    # and it is listed under its new status
    assert [listed.job_id for listed in table.list(status=JobStatus.FAILED).jobs] == [JOB_ID]
    assert table.list(status=JobStatus.RUNNING).jobs == []


def test_given_running_job_when_its_execution_was_aborted_from_the_console_then_cancelled(
    table: JobRepository,
) -> None:
    # Given
    _running(table)

    # When
    response = invoke(load_event("execution_status/aborted"))

    # Then
    assert response["status"] == "CANCELLED"
    assert job(table).status is JobStatus.CANCELLED
    assert job(table).message == "the backtest execution was stopped outside the API"


def test_given_job_left_running_when_its_execution_failed_then_failed(table: JobRepository) -> None:
    # Given: MarkFailed could not write (its own error is caught and the machine fails anyway)
    _running(table)

    # When
    invoke(load_event("execution_status/failed"))

    # Then
    assert job(table).status is JobStatus.FAILED
    assert job(table).error is not None
    assert job(table).error.code == "EXECUTION_FAILED"  # type: ignore[union-attr]


@pytest.mark.parametrize("ended", [JobStatus.COMPLETED, JobStatus.CANCELLED, JobStatus.FAILED])
@pytest.mark.parametrize("event", ["timed_out", "aborted", "failed"])
def test_given_job_already_ended_when_an_execution_event_arrives_then_it_is_left_as_it_is(
    table: JobRepository, ended: JobStatus, event: str
) -> None:
    # Given: e.g. cancelled through the API (which then stops the execution: ABORTED), or failed
    # by the machine's own MarkFailed with the worker's reason
    store_job(ended)
    before = job(table)

    # When
    response = invoke(load_event(f"execution_status/{event}"))

    # Then
    assert response == {"job_id": JOB_ID, "status": ended.value}
    assert job(table) == before


def test_given_redelivered_event_when_handled_twice_then_the_first_outcome_stays(
    table: JobRepository,
) -> None:
    # Given
    _running(table)
    invoke(load_event("execution_status/timed_out"))
    first = job(table)

    # When
    invoke(load_event("execution_status/aborted"))

    # Then
    assert job(table) == first


def test_given_event_for_an_unknown_job_when_handled_then_nothing_fails(table: JobRepository) -> None:
    event = load_event("execution_status/timed_out")
    event["detail"] |= {"input": json.dumps({"job_id": "no-such-job"}), "name": "no-such-job"}
    assert invoke(event) == {"job_id": "no-such-job", "status": None}


def _running(jobs: JobRepository) -> None:
    store_job(JobStatus.QUEUED)
    jobs.transition(JOB_ID, JobStatus.RUNNING, at=job(jobs).created_at)
