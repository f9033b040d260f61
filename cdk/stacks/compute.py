"""tradai-compute-{env}: Lambda layer and functions, ECS cluster, worker tasks, MLflow behind the ALB."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import CfnParameter, Stack
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from cdk.config import EnvironmentConfig
from cdk.constants import (
    ARTIFACTS_BUCKET,
    BACKTEST_TASK_FAMILY,
    BACKTESTS_FUNCTION,
    BACKTESTS_MEMORY_MB,
    BACKTESTS_TIMEOUT,
    HEALTH_FUNCTION,
    HEALTH_MEMORY_MB,
    HEALTH_TIMEOUT,
    INSTANCE_TASK_FAMILY,
    MARKET_DATA_BUCKET,
    WORKER_IMAGE_TAG_DEFAULT,
    WORKER_IMAGE_TAG_PARAMETER,
    bucket_name,
)
from cdk.constructs.cluster import TaskCluster
from cdk.constructs.function import FunctionSpec, TradaiFunction
from cdk.constructs.lambda_layer import SharedLayer
from cdk.constructs.load_balancer import InternalLoadBalancer
from cdk.constructs.mlflow_service import MlflowService
from cdk.constructs.worker_task import TaskSpec, WorkerTask
from cdk.nag import acknowledge, nag_arn
from cdk.outputs import add_outputs
from cdk.permissions import bucket_listing, bucket_objects, table_indexes, table_items
from cdk.stacks.foundation import FoundationStack
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
        foundation: FoundationStack,
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
        market_data = s3.Bucket.from_bucket_name(
            self, "MarketData", bucket_name(MARKET_DATA_BUCKET, config.name)
        )
        network = foundation.network
        self.tasks = TaskCluster(self, "Tasks", config=config, vpc=network.vpc)
        worker_image = ecs.ContainerImage.from_ecr_repository(
            persistent.worker_images.repository,
            tag=CfnParameter(
                self,
                WORKER_IMAGE_TAG_PARAMETER,
                default=WORKER_IMAGE_TAG_DEFAULT,
                description="Tag of the worker image in the ECR repository (containers/worker/Dockerfile)",
            ).value_as_string,
        )
        task_environment = {
            key: value for key, value in environment.items() if not key.startswith("TRADAI_COGNITO")
        } | {"TRADAI_MARKET_DATA_BUCKET": market_data.bucket_name}
        job_items = table_items(
            table, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem",
            "dynamodb:ConditionCheckItem",
        )  # fmt: skip
        bars = [bucket_listing(market_data), bucket_objects(market_data, "s3:GetObject")]
        self.backtest_task = WorkerTask(
            self,
            "BacktestTask",
            config=config,
            spec=TaskSpec(
                family=BACKTEST_TASK_FAMILY,
                description="One backtest chunk (the state machine's Map runs one task per chunk)",
                cpu=config.worker_cpu,
                memory_mib=config.worker_memory_mib,
                command=["tradai", "worker", "--help"],
            ),
            image=worker_image,
            environment=task_environment,
            # Progress and results go to the job item; bars are read from ArcticDB's bucket;
            # result files are written to the artifacts bucket.
            statements=[job_items, *bars, bucket_objects(artifacts, "s3:PutObject")],
        )
        self.instance_task = WorkerTask(
            self,
            "InstanceTask",
            config=config,
            spec=TaskSpec(
                family=INSTANCE_TASK_FAMILY,
                description="One dry-run or live strategy instance",
                cpu=config.instance_cpu,
                memory_mib=config.instance_memory_mib,
                command=["tradai", "worker", "--help"],
            ),
            image=worker_image,
            environment=task_environment,
            # Orders, fills and the instance's state are items; live trading reads the exchange keys.
            statements=[
                job_items,
                *bars,
                iam.PolicyStatement(
                    actions=["secretsmanager:GetSecretValue"],
                    resources=[persistent.exchange_keys.secret.secret_arn],
                ),
            ],
        )
        for task in (self.backtest_task, self.instance_task):
            acknowledge(
                task.task_role,
                f"IAM5[Resource::{nag_arn(self, market_data.arn_for_objects('*'))}]",
                "ArcticDB names its segment objects at write time; the task only reads them.",
            )
        acknowledge(
            self.backtest_task.task_role,
            f"IAM5[Resource::{nag_arn(self, artifacts.arn_for_objects('*'))}]",
            "s3:PutObject on the artifacts bucket's objects: result keys carry the job id known at run time.",
        )

        self.load_balancer = InternalLoadBalancer(
            self,
            "LoadBalancer",
            config=config,
            vpc=network.vpc,
            subnets=network.private_subnet_selection,
        )
        self.mlflow = MlflowService(
            self,
            "Mlflow",
            config=config,
            cluster=self.tasks.cluster,
            subnets=network.private_subnet_selection,
            database=foundation.mlflow_db.instance,
            artifacts=artifacts,
            listener=self.load_balancer.listener,
            load_balancer=self.load_balancer.alb,
        )

        add_outputs(
            self,
            {
                **{f"{name}_function_name": fn.function.function_name for name, fn in self.functions.items()},
                "alb_dns_name": self.load_balancer.alb.load_balancer_dns_name,
                "alb_listener_arn": self.load_balancer.listener.listener_arn,
                "ecs_cluster_name": self.tasks.cluster.cluster_name,
                "backtest_task_definition_arn": self.backtest_task.definition.task_definition_arn,
                "instance_task_definition_arn": self.instance_task.definition.task_definition_arn,
            },
        )
