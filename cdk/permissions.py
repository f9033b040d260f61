"""Least-privilege IAM statements: exactly the actions a function's code calls, on exactly its resources."""

from __future__ import annotations

from collections.abc import Iterable

from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3


def table_items(table: dynamodb.ITable, *actions: str) -> iam.PolicyStatement:
    """Item actions (`dynamodb:GetItem`, ...) on the table itself."""
    return iam.PolicyStatement(actions=list(actions), resources=[table.table_arn])


def table_indexes(table: dynamodb.ITable, indexes: Iterable[str], *actions: str) -> iam.PolicyStatement:
    """Index actions (`dynamodb:Query`) on the named indexes only, not `index/*`."""
    return iam.PolicyStatement(
        actions=list(actions), resources=[f"{table.table_arn}/index/{name}" for name in indexes]
    )


def bucket_listing(bucket: s3.IBucket) -> iam.PolicyStatement:
    """`s3:ListBucket` on the bucket: what HeadBucket (the health probe) needs."""
    return iam.PolicyStatement(actions=["s3:ListBucket"], resources=[bucket.bucket_arn])


def bucket_objects(bucket: s3.IBucket, *actions: str) -> iam.PolicyStatement:
    """Object actions (`s3:GetObject`, ...) on the bucket's objects."""
    return iam.PolicyStatement(actions=list(actions), resources=[bucket.arn_for_objects("*")])
