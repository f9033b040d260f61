"""Lambda handlers in-process, on the AWS runtime, against moto."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

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
