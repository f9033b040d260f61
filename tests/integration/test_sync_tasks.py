"""Background market-data syncs on the AWS runtime: the data routes start an ECS task per sync job
(`tradai worker sync --job-id <id>`), the task runs it, cancel stops it, a start that fails or a task
that dies leaves the job FAILED, never waiting. DynamoDB and ECS on moto; bars from a fake exchange.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import boto3
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from tests.fakes import FakeExchange, FakeMarketData, random_walk_bars
from tests.integration.conftest import REGION, TABLE, create_resources
from tradai.adapters.dynamo_store import DynamoDocumentStore
from tradai.adapters.ecs_sync_executor import EcsSyncExecutor, started_by
from tradai.api.app import create_app
from tradai.api.routers import data
from tradai.bootstrap import Container, build_container
from tradai.domain.clock import utc_now
from tradai.domain.jobs import BacktestJob, JobKind, JobStatus
from tradai.services.job_repository import JobRepository
from tradai.services.job_sweep import SweepReport, sweep_queued_jobs
from tradai.services.sync_jobs import settle_lost_sync
from tradai.settings import Settings
from tradai.worker import run_sync_job

CLUSTER, FAMILY = "tradai-dev-cluster", "tradai-dev-sync-worker"
BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
START = "2024-01-01T00:00:00+00:00"
LOST_AFTER = timedelta(minutes=2)


@pytest.fixture
def ecs(aws_env: None) -> Any:
    """The table, and the cluster, sync task definition and private subnet the compute stack creates."""
    create_resources()
    client = boto3.client("ecs", region_name=REGION)
    client.create_cluster(clusterName=CLUSTER)
    client.register_task_definition(
        family=FAMILY,
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="512",
        memory="1024",
        containerDefinitions=[
            {"name": "worker", "image": "tradai-worker", "memory": 1024, "essential": True}
        ],
    )
    return client


def settings_for(ecs: Any, *, cluster: str = CLUSTER) -> Settings:
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})  # moto names task ENIs then
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    return Settings(
        runtime="aws",
        table_name=TABLE,
        aws_region=REGION,
        ecs_cluster=cluster,
        sync_task_definition=FAMILY,
        instance_subnets=[subnet],
        sync_inline_max_bars=100,
    )


def aws_container(ecs: Any, settings: Settings) -> Container:
    """What the data Lambda builds, with the bar store and exchange faked (ArcticDB on S3 is the contract
    suite's business); the executor is the real one on moto's ECS."""
    end = (pd.Timestamp(START) + pd.Timedelta(hours=299)).isoformat()
    bars = {BTC: random_walk_bars(START, end, seed=1), ETH: random_walk_bars(START, end, seed=2)}
    return Container(
        settings=settings,
        store=DynamoDocumentStore(TABLE, client=boto3.client("dynamodb", region_name=REGION)),
        blobs=None,  # type: ignore[arg-type]  # the data routes keep no blobs
        market_data=FakeMarketData(),
        exchange=FakeExchange(bars, page_size=50),
        sync_executor=EcsSyncExecutor(settings, task_definition=FAMILY, ecs=ecs),
    )


@pytest.fixture
def container(ecs: Any) -> Container:
    return aws_container(ecs, settings_for(ecs))


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(routers=[data.router], settings=container.settings, container=container)) as c:
        yield c


def post_large_sync(client: TestClient) -> str:
    response = client.post("/api/v1/data/sync", json={"symbols": [BTC, ETH], "start": START})
    assert response.status_code == 202, response.text
    job_id: str = response.json()["job_id"]
    return job_id


def tasks_of(ecs: Any, job_id: str, desired: str = "RUNNING") -> list[dict[str, Any]]:
    arns = ecs.list_tasks(cluster=CLUSTER, startedBy=started_by(job_id), desiredStatus=desired)["taskArns"]
    return ecs.describe_tasks(cluster=CLUSTER, tasks=arns)["tasks"] if arns else []  # type: ignore[no-any-return]


def test_given_aws_settings_with_sync_task_when_container_built_then_syncs_run_on_ecs() -> None:
    # When
    container = build_container(Settings(runtime="aws", sync_task_definition=FAMILY))
    inline = build_container(Settings(runtime="aws"))

    # Then: without a task definition (an older stack) every sync stays inline
    assert isinstance(container.sync_executor, EcsSyncExecutor)
    assert inline.sync_executor is None


def test_given_large_sync_when_posted_then_ecs_task_runs_the_sync_worker_command(
    client: TestClient, ecs: Any
) -> None:
    # When
    job_id = post_large_sync(client)

    # Then: one task of the sync definition, in the private subnet, told to run exactly this job
    (task,) = tasks_of(ecs, job_id)
    assert FAMILY in task["taskDefinitionArn"]
    (override,) = task["overrides"]["containerOverrides"]
    assert (override["name"], override["command"]) == (
        "worker",
        ["tradai", "worker", "sync", "--job-id", job_id],
    )
    assert [attachment["type"] for attachment in task["attachments"]] == ["ElasticNetworkInterface"]
    assert client.get(f"/api/v1/data/sync/{job_id}").json()["status"] == "QUEUED"


def test_given_started_task_when_worker_runs_the_job_then_completed_with_progress_and_report(
    client: TestClient, container: Container
) -> None:
    # Given
    job_id = post_large_sync(client)

    # When the task's command runs (in-process here, with the same stores)
    ok = run_sync_job(job_id, container.settings, container=container)

    # Then the job reads like a local one: COMPLETED, progress full, the per-symbol report
    job = client.get(f"/api/v1/data/sync/{job_id}").json()
    assert ok
    assert (job["status"], job["progress"]["percentage"]) == ("COMPLETED", 100)
    assert job["started_at"] is not None
    assert (job["result"]["status"], job["result"]["new_rows"]) == ("completed", 600)
    assert [item["symbol"] for item in job["result"]["results"]] == [BTC, ETH]


def test_given_queued_sync_when_cancelled_then_task_stopped_and_worker_does_nothing(
    client: TestClient, container: Container, ecs: Any
) -> None:
    # Given
    job_id = post_large_sync(client)

    # When
    cancelled = client.post(f"/api/v1/data/sync/{job_id}/cancel")
    ran = run_sync_job(job_id, container.settings, container=container)  # a task that started anyway

    # Then: CANCELLED, ECS told to stop the task, nothing fetched
    assert (cancelled.status_code, cancelled.json()["status"]) == (200, "CANCELLED")
    assert tasks_of(ecs, job_id) == []
    (stopped,) = tasks_of(ecs, job_id, desired="STOPPED")
    assert stopped["stoppedReason"] == "sync cancelled through the API"
    assert ran
    assert client.get(f"/api/v1/data/sync/{job_id}").json()["status"] == "CANCELLED"
    assert container.market_data is not None
    assert container.market_data.list_symbols(exchange="binance_futures") == []


def test_given_ecs_refuses_the_task_when_sync_posted_then_503_and_job_failed_not_queued(ecs: Any) -> None:
    # Given a cluster name ECS does not know
    container = aws_container(ecs, settings_for(ecs, cluster="tradai-gone"))
    app = create_app(routers=[data.router], settings=container.settings, container=container)

    # When
    with TestClient(app) as client:
        response = client.post("/api/v1/data/sync", json={"symbols": [BTC, ETH], "start": START})

    # Then: 503 with a code naming the cause; the job is FAILED with the reason, not left QUEUED
    body = response.json()
    assert (response.status_code, body["code"]) == (503, "JOB_NOT_STARTED")
    jobs = JobRepository(container.store)
    assert jobs.count(status=JobStatus.QUEUED, kind=JobKind.DATA_SYNC) == 0
    (failed,) = jobs.list(status=JobStatus.FAILED, kind=JobKind.DATA_SYNC).jobs
    assert failed.job_id in body["detail"]
    assert failed.error is not None
    assert failed.error.code == "JOB_NOT_STARTED"
    assert "tradai-gone" in failed.error.message


def test_given_task_died_when_silent_job_read_then_failed_as_worker_lost(
    client: TestClient, container: Container, ecs: Any
) -> None:
    # Given a job whose task stopped (out of memory, say) before it recorded anything
    job_id = post_large_sync(client)
    (task,) = tasks_of(ecs, job_id)
    ecs.stop_task(cluster=CLUSTER, task=task["taskArn"], reason="OutOfMemoryError: Container killed")
    jobs = JobRepository(container.store)
    queued = jobs.get(job_id)

    # When it is read soon after, then once it has been silent past the limit
    soon = settle_lost_sync(
        queued, jobs=jobs, executor=container.sync_executor, lost_after=LOST_AFTER, now=queued.updated_at
    )
    later = settle_lost_sync(
        queued,
        jobs=jobs,
        executor=container.sync_executor,
        lost_after=LOST_AFTER,
        now=queued.updated_at + LOST_AFTER,
    )

    # Then: no verdict while the task may still be placed; then FAILED with ECS's reason
    assert soon.status is JobStatus.QUEUED
    assert later.status is JobStatus.FAILED
    assert later.error is not None
    assert later.error.code == "WORKER_LOST"
    assert "OutOfMemoryError" in later.error.message


def test_given_task_still_running_when_silent_job_read_then_left_running(
    client: TestClient, container: Container
) -> None:
    # Given
    job_id = post_large_sync(client)
    jobs = JobRepository(container.store)
    job = jobs.get(job_id)

    # When
    settled = settle_lost_sync(
        job,
        jobs=jobs,
        executor=container.sync_executor,
        lost_after=LOST_AFTER,
        now=job.updated_at + LOST_AFTER,
    )

    # Then
    assert settled.status is JobStatus.QUEUED


def test_given_no_task_ever_when_worker_asked_about_then_never_started_is_the_reason(
    container: Container,
) -> None:
    # Given a job id ECS never started a task for
    assert container.sync_executor is not None
    executor: EcsSyncExecutor = container.sync_executor  # type: ignore[assignment]

    # When
    reason = executor.worker_gone("00000000-0000-4000-8000-000000000000")

    # Then
    assert reason is not None
    assert "no ECS task runs this sync" in reason


def left_queued(container: Container, *, minutes_ago: int) -> BacktestJob:
    """A large sync stored by a data function that died before RunTask: QUEUED, with no task."""
    created = utc_now() - timedelta(minutes=minutes_ago)
    job = BacktestJob(
        job_id=str(uuid.uuid4()),
        kind=JobKind.DATA_SYNC,
        owner="alice",
        strategy_name="",
        strategy_version="",
        request={"symbols": [BTC, ETH], "start": START},
        created_at=created,
        updated_at=created,
    )
    JobRepository(container.store).create(job)
    return job


def sweep(container: Container) -> SweepReport:
    assert container.sync_executor is not None
    return sweep_queued_jobs(
        store=container.store,
        executors={JobKind.DATA_SYNC: container.sync_executor},
        now=utc_now(),
        older_than=timedelta(minutes=5),
    )


def test_given_sync_left_queued_without_a_task_when_swept_twice_then_exactly_one_task_runs_it(
    container: Container, ecs: Any
) -> None:
    # Given: one sync abandoned before its task was started, one submitted a minute ago
    abandoned = left_queued(container, minutes_ago=12)
    fresh = left_queued(container, minutes_ago=1)

    # When the schedule fires twice
    first, second = sweep(container), sweep(container)

    # Then: one task for the abandoned job (the second sweep finds it started), none for the fresh one
    assert first.started == second.started == [abandoned.job_id]
    (task,) = tasks_of(ecs, abandoned.job_id)
    assert task["overrides"]["containerOverrides"][0]["command"][-1] == abandoned.job_id
    assert tasks_of(ecs, fresh.job_id) == []
    # And the task runs it like any other sync job
    assert run_sync_job(abandoned.job_id, container.settings, container=container)
    assert JobRepository(container.store).get(abandoned.job_id).status is JobStatus.COMPLETED


def test_given_sync_whose_task_died_before_starting_it_when_swept_then_failed_with_ecs_reason(
    container: Container, ecs: Any
) -> None:
    # Given: a sync whose task was started and stopped (its image could not be pulled) before it
    # marked the job RUNNING
    job = left_queued(container, minutes_ago=12)
    assert container.sync_executor is not None
    container.sync_executor.submit(job.job_id)
    (task,) = tasks_of(ecs, job.job_id)
    ecs.stop_task(cluster=CLUSTER, task=task["taskArn"], reason="CannotPullContainerError: not found")

    # When
    report = sweep(container)

    # Then: FAILED with the cause, not started again (a task that cannot start would fail every sweep)
    failed = JobRepository(container.store).get(job.job_id)
    assert report.failed == [job.job_id]
    assert failed.status is JobStatus.FAILED
    assert failed.error is not None
    assert failed.error.code == "JOB_NOT_STARTED"
    assert "CannotPullContainerError" in failed.error.message
    assert tasks_of(ecs, job.job_id) == []
