"""The health Lambda, invoked in-process with the sample API Gateway event, on moto."""

from __future__ import annotations

import json

import boto3

from tests.events import FakeLambdaContext, load_event, load_handler
from tests.integration.conftest import BUCKET, REGION, create_resources


def test_given_table_and_bucket_when_health_invoked_then_healthy_with_real_checks(aws_env: None) -> None:
    # Given
    create_resources()
    handler = load_handler("health")

    # When
    response = handler.lambda_handler(load_event("health/get_health"), FakeLambdaContext())

    # Then
    body = json.loads(response["body"])
    assert response["statusCode"] == 200
    assert body["healthy"] is True
    assert body["status"] == "healthy"
    assert body["runtime"] == "aws"
    assert {name: check["adapter"] for name, check in body["checks"].items()} == {
        "store": "dynamodb",
        "blobs": "s3",
    }
    assert response["headers"]["x-correlation-id"] == "Jq8mHhbfFiAEMcA="


def test_given_missing_table_when_health_invoked_then_503_naming_the_store(aws_env: None) -> None:
    # Given only the bucket exists
    boto3.client("s3", region_name=REGION).create_bucket(
        Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    handler = load_handler("health")

    # When
    response = handler.lambda_handler(load_event("health/get_health"), FakeLambdaContext())

    # Then
    body = json.loads(response["body"])
    assert response["statusCode"] == 503
    assert body["healthy"] is False
    assert body["status"] == "unhealthy"
    assert body["checks"]["store"]["status"] == "error"
    assert body["checks"]["blobs"]["status"] == "ok"


def test_given_client_correlation_id_when_invoked_then_it_is_echoed(aws_env: None) -> None:
    # Given
    create_resources()
    event = load_event("health/get_health")
    event["headers"]["x-correlation-id"] = "client-chosen-id"

    # When
    response = load_handler("health").lambda_handler(event, FakeLambdaContext())

    # Then
    assert response["headers"]["x-correlation-id"] == "client-chosen-id"
