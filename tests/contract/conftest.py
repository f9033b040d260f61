"""Every store port runs one contract suite against each adapter: SQLite/files and DynamoDB/S3 on moto."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.conftest import FakeClock
from tradai.adapters.dynamo_store import DynamoDocumentStore
from tradai.adapters.file_blobs import FileBlobStore
from tradai.adapters.s3_blobs import S3BlobStore
from tradai.adapters.sqlite_store import SqliteDocumentStore
from tradai.ports import BlobStore, DocumentStore
from tradai.table_design import create_table_request

REGION = "eu-central-1"
TABLE = "tradai-test"


@contextmanager
def moto_table() -> Iterator[Any]:
    """A DynamoDB client on moto with TradAI's table created."""
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        client.create_table(**create_table_request(TABLE))
        yield client


@pytest.fixture(params=["sqlite", "dynamodb"])
def store(request: pytest.FixtureRequest, tmp_path: Path, clock: FakeClock) -> Iterator[DocumentStore]:
    if request.param == "sqlite":
        yield SqliteDocumentStore(tmp_path / "store.sqlite3", clock=clock)
        return
    with moto_table() as client:
        yield DynamoDocumentStore(TABLE, client=client, clock=clock)


@pytest.fixture(params=["filesystem", "s3"])
def blobs(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[BlobStore]:
    if request.param == "filesystem":
        yield FileBlobStore(tmp_path / "blobs")
        return
    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(Bucket="tradai-test", CreateBucketConfiguration={"LocationConstraint": REGION})
        yield S3BlobStore("tradai-test", prefix="artifacts/", client=client)
