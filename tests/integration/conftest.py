"""Lambda handlers in-process, on the AWS runtime, against moto."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import boto3
import pytest
from moto import mock_aws

from tradai.domain.jobs import BacktestJob
from tradai.settings import get_settings
from tradai.table_design import create_table_request

REGION = "eu-central-1"
TABLE = "tradai-test"
BUCKET = "tradai-artifacts-test"


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Settings of a deployed function, with every AWS call going to moto."""
    monkeypatch.setenv("TRADAI_RUNTIME", "aws")
    monkeypatch.setenv("TRADAI_TABLE_NAME", TABLE)
    monkeypatch.setenv("TRADAI_ARTIFACTS_BUCKET", BUCKET)
    monkeypatch.setenv("TRADAI_AWS_REGION", REGION)
    monkeypatch.setenv("TRADAI_WEBSOCKET_URL", "wss://ws.example.com/dev")
    get_settings.cache_clear()
    with mock_aws():
        yield
    get_settings.cache_clear()


def create_resources() -> None:
    """The table and bucket the persistent stack creates."""
    boto3.client("dynamodb", region_name=REGION).create_table(**create_table_request(TABLE))
    boto3.client("s3", region_name=REGION).create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
    )


def create_worker_cluster(cluster: str, family: str) -> dict[str, str]:
    """The ECS cluster, the worker task definition and a subnet and security group for its tasks."""
    ecs = boto3.client("ecs", region_name=REGION)
    ecs.create_cluster(clusterName=cluster)
    worker = {"name": "worker", "image": "tradai-worker", "memory": 1024, "essential": True}
    ecs.register_task_definition(
        family=family,
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="512",
        memory="1024",
        containerDefinitions=[worker],
    )
    ec2 = boto3.client("ec2", region_name=REGION)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    # moto names a task's network interface only in a VPC with DNS hostnames (else RunTask fails)
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="workers", Description="workers", VpcId=vpc)["GroupId"]
    return {"subnet": subnet, "security_group": group}


def queued_job(job_id: str, *, created_at: datetime) -> BacktestJob:
    """A QUEUED backtest job as the backtests function stores it."""
    return BacktestJob(
        job_id=job_id,
        owner="alice",
        strategy_name="sma_cross",
        strategy_version="1.0.0",
        request={},
        created_at=created_at,
        updated_at=created_at,
    )
