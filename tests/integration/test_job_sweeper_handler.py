"""The job sweeper Lambda on moto: abandoned QUEUED jobs get their one execution or task, or FAILED."""

from __future__ import annotations

from datetime import timedelta

import boto3
import pytest

from tests.events import FakeLambdaContext, load_event, load_handler
from tests.integration.conftest import REGION, TABLE, create_resources, create_worker_cluster, queued_job
from tests.integration.test_sfn_executor import create_state_machine, executions
from tradai.adapters.dynamo_store import DynamoDocumentStore
from tradai.adapters.sfn_executor import StepFunctionsJobExecutor
from tradai.domain.clock import utc_now
from tradai.domain.jobs import JobKind, JobStatus
from tradai.services.job_repository import JobRepository
from tradai.settings import get_settings

ABANDONED = "aaaaaaaa-2222-4333-8444-555555555555"
ALREADY_STARTED = "bbbbbbbb-2222-4333-8444-555555555555"
JUST_SUBMITTED = "cccccccc-2222-4333-8444-555555555555"


def jobs() -> JobRepository:
    return JobRepository(DynamoDocumentStore(TABLE, client=boto3.client("dynamodb", region_name=REGION)))


def queue(job_id: str, *, minutes_ago: int) -> None:
    jobs().create(queued_job(job_id, created_at=utc_now() - timedelta(minutes=minutes_ago)))


def sweep() -> dict[str, list[str]]:
    result: dict[str, list[str]] = load_handler("job_sweeper").lambda_handler(
        load_event("job_sweeper/scheduled"), FakeLambdaContext()
    )
    return result


def use_state_machine(monkeypatch: pytest.MonkeyPatch, arn: str) -> None:
    monkeypatch.setenv("TRADAI_BACKTEST_STATE_MACHINE_ARN", arn)
    get_settings.cache_clear()


@pytest.fixture
def swept_container() -> None:
    from tradai.backtest_steps import _container

    _container.cache_clear()


def test_given_abandoned_and_fresh_jobs_when_swept_then_each_abandoned_one_has_its_one_execution(
    aws_env: None, swept_container: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given: a job whose submitter died before StartExecution, one whose execution did start (its
    # answer was lost), and one submitted a minute ago
    create_resources()
    arn = create_state_machine()
    use_state_machine(monkeypatch, arn)
    client = boto3.client("stepfunctions", region_name=REGION)
    queue(ABANDONED, minutes_ago=12)
    queue(ALREADY_STARTED, minutes_ago=9)
    StepFunctionsJobExecutor(state_machine_arn=arn, client=client).submit(ALREADY_STARTED)
    queue(JUST_SUBMITTED, minutes_ago=1)

    # When the schedule fires, twice
    first, second = sweep(), sweep()

    # Then: one execution per abandoned job, named by it; the fresh job is left to its submitter
    assert first["started"] == [ABANDONED, ALREADY_STARTED]
    assert second["started"] == [ABANDONED, ALREADY_STARTED]  # still QUEUED on moto: started again is a no-op
    assert sorted(execution["name"] for execution in executions(client)) == [ABANDONED, ALREADY_STARTED]
    assert jobs().get(JUST_SUBMITTED).status is JobStatus.QUEUED


def test_given_a_missing_state_machine_when_swept_then_the_abandoned_job_fails_job_not_started(
    aws_env: None, swept_container: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given: Step Functions refuses (the state machine is gone)
    create_resources()
    use_state_machine(monkeypatch, "arn:aws:states:eu-central-1:123456789012:stateMachine:missing")
    queue(ABANDONED, minutes_ago=12)

    # When
    result = sweep()

    # Then
    job = jobs().get(ABANDONED)
    assert result["failed"] == [ABANDONED]
    assert job.status is JobStatus.FAILED
    assert job.error is not None
    assert job.error.code == "JOB_NOT_STARTED"


def test_given_a_sync_job_left_queued_when_swept_then_its_ecs_task_is_started_once(
    aws_env: None, swept_container: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given: a stack whose data function starts sync tasks (no state machine in this one), and a
    # large sync the data function stored before it died
    create_resources()
    subnet = create_worker_cluster("tradai-dev", "tradai-dev-sync-worker")["subnet"]
    monkeypatch.setenv("TRADAI_SYNC_TASK_DEFINITION", "tradai-dev-sync-worker")
    monkeypatch.setenv("TRADAI_INSTANCE_SUBNETS", subnet)
    get_settings.cache_clear()
    sync = queued_job(ABANDONED, created_at=utc_now() - timedelta(minutes=12))
    jobs().create(sync.model_copy(update={"kind": JobKind.DATA_SYNC}))

    # When the schedule fires, twice
    first, second = sweep(), sweep()

    # Then: one task runs the sync worker on it
    assert first["started"] == second["started"] == [ABANDONED]
    ecs = boto3.client("ecs", region_name=REGION)
    (task,) = ecs.list_tasks(cluster="tradai-dev", startedBy=f"tradai-sync/{ABANDONED}")["taskArns"]
    (described,) = ecs.describe_tasks(cluster="tradai-dev", tasks=[task])["tasks"]
    assert described["overrides"]["containerOverrides"][0]["command"] == [
        "tradai",
        "worker",
        "sync",
        "--job-id",
        ABANDONED,
    ]
    assert jobs().get(ABANDONED).status is JobStatus.QUEUED  # the task marks it RUNNING when it begins
