"""tradai-compute-{env}: the Lambda layer and functions (ECS, ALB and Step Functions come later)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from cdk.config import EnvironmentConfig
from cdk.constants import (
    ARTIFACTS_BUCKET,
    BACKTESTS_FUNCTION,
    BACKTESTS_MEMORY_MB,
    BACKTESTS_TIMEOUT,
    HEALTH_FUNCTION,
    HEALTH_MEMORY_MB,
    HEALTH_TIMEOUT,
    bucket_name,
)
from cdk.constructs.function import FunctionSpec, TradaiFunction
from cdk.constructs.lambda_layer import SharedLayer
from cdk.nag import acknowledge, nag_arn
from cdk.outputs import add_outputs
from cdk.permissions import bucket_listing, bucket_objects, table_indexes, table_items
from cdk.stacks.persistent import PersistentStack
from tradai.table_design import INDEXES

_SPECS = (
    FunctionSpec(
        name=HEALTH_FUNCTION,
        description="GET /api/v1/health: probes the table and the artifacts bucket",
        memory_mb=HEALTH_MEMORY_MB,
        timeout=HEALTH_TIMEOUT,
    ),
    FunctionSpec(
        name=BACKTESTS_FUNCTION,
        description="/api/v1/backtests: submit, list, read and cancel jobs; equity and report data",
        memory_mb=BACKTESTS_MEMORY_MB,
        timeout=BACKTESTS_TIMEOUT,
    ),
)


class ComputeStack(Stack):
    """The shared layer and one function per handler folder, each with its own least-privilege role.

    `functions` maps a function's folder name (`constants.ROUTES`' `function`) to its construct.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        persistent: PersistentStack,
        layer_dir: Path,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        table = persistent.jobs.table
        # By name, not by a cross-stack reference: the wildcard finding below then has a stable id.
        artifacts = s3.Bucket.from_bucket_name(self, "Artifacts", bucket_name(ARTIFACTS_BUCKET, config.name))
        users = persistent.users
        layer = SharedLayer(self, "Layer", layer_dir=layer_dir).layer
        environment = {
            "TRADAI_RUNTIME": "aws",
            "TRADAI_ENVIRONMENT": config.name,
            "TRADAI_AWS_REGION": config.region,
            "TRADAI_TABLE_NAME": table.table_name,
            "TRADAI_ARTIFACTS_BUCKET": artifacts.bucket_name,
            "TRADAI_CORS_ORIGINS": ",".join(config.cors_origins),
            "TRADAI_COGNITO_USER_POOL_ID": users.pool.user_pool_id,
            "TRADAI_COGNITO_CLIENT_IDS": ",".join(users.client_ids),
            "TRADAI_COGNITO_REGION": config.region,
        }
        statements: dict[str, list[iam.PolicyStatement]] = {
            # The store's ping is one GetItem; the blob store's ping is HeadBucket (s3:ListBucket).
            HEALTH_FUNCTION: [table_items(table, "dynamodb:GetItem"), bucket_listing(artifacts)],
            # Jobs, idempotency keys and rate-limit counters are items (transactions are checked per
            # item action); lists query gsi1/gsi2; results are read from the artifacts bucket.
            BACKTESTS_FUNCTION: [
                table_items(
                    table, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
                    "dynamodb:ConditionCheckItem",
                ),
                table_indexes(table, INDEXES, "dynamodb:Query"),
                bucket_objects(artifacts, "s3:GetObject"),
            ],
        }  # fmt: skip
        self.functions = {
            spec.name: TradaiFunction(
                self,
                spec.name.title(),
                config=config,
                spec=spec,
                layer=layer,
                environment=environment,
                statements=statements[spec.name],
            )
            for spec in _SPECS
        }
        acknowledge(
            self.functions[BACKTESTS_FUNCTION].role,
            f"IAM5[Resource::{nag_arn(self, artifacts.arn_for_objects('*'))}]",
            "s3:GetObject on the artifacts bucket's objects: job result keys are only known at run time.",
        )
        add_outputs(
            self, {f"{name}_function_name": fn.function.function_name for name, fn in self.functions.items()}
        )
