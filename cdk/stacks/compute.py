"""tradai-compute-{env}: Lambda layer and functions, ECS cluster, worker tasks, MLflow behind the ALB."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from aws_cdk import Fn, Stack
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from cdk.config import EnvironmentConfig
from cdk.constants import (
    ARTIFACTS_BUCKET,
    BACKTEST_TASK_FAMILY,
    INSTANCE_TASK_FAMILY,
    MARKET_DATA_BUCKET,
    MLFLOW_PREFIX,
    SYNC_TASK_FAMILY,
    WORKER_CONTAINER,
    bucket_name,
)
from cdk.constructs.backtest_state_machine import BacktestStateMachine
from cdk.constructs.cluster import TaskCluster
from cdk.constructs.execution_events import ExecutionEndedRule
from cdk.constructs.function import WorkerImage, build_functions
from cdk.constructs.job_sweep_schedule import JobSweepSchedule
from cdk.constructs.lambda_layer import SharedLayer
from cdk.constructs.load_balancer import InternalLoadBalancer
from cdk.constructs.mlflow_service import MlflowService
from cdk.constructs.worker_task import TaskSpec, WorkerTask
from cdk.function_table import FUNCTIONS, Access
from cdk.layer_build import REPO_ROOT
from cdk.nag import acknowledge, nag_arn
from cdk.outputs import add_outputs
from cdk.permissions import (
    AccessGrants,
    InstanceTasks,
    MlflowServer,
    WorkerTasks,
    live_trading_environment,
)
from cdk.stacks.foundation import FoundationStack
from cdk.stacks.persistent import PersistentStack


def deployed_functions(*, websocket: bool) -> list[str]:
    """Names of `FUNCTIONS` whose folder exists, on the WebSocket side (edge) or not (compute)."""
    return [
        name
        for name, entry in FUNCTIONS.items()
        if entry.websocket == websocket and (REPO_ROOT / "functions" / name / "handler.py").exists()
    ]


STATE_MACHINE_STEPS = ("backtest_plan", "backtest_aggregate")
"""The Lambda steps of statemachines/backtest.asl.json; built before it, which the API then starts."""


class ComputeStack(Stack):
    """The shared layer, the HTTP functions, the ECS cluster with the worker tasks, and MLflow.

    `functions` maps a function's folder name to its construct; `grants` and `environment` are what
    the edge stack's WebSocket functions are built with too.
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
        worker_image_tag: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        table = persistent.jobs.table
        # By name, not by a cross-stack reference: a wildcard finding then has a stable id.
        artifacts = s3.Bucket.from_bucket_name(self, "Artifacts", bucket_name(ARTIFACTS_BUCKET, config.name))
        market_data = s3.Bucket.from_bucket_name(
            self, "MarketData", bucket_name(MARKET_DATA_BUCKET, config.name)
        )
        users = persistent.users
        network = foundation.network
        self.layer = SharedLayer(self, "Layer", layer_dir=layer_dir).layer
        self.function_environment = {
            "TRADAI_RUNTIME": "aws",
            "TRADAI_ENVIRONMENT": config.name,
            "TRADAI_AWS_REGION": config.region,
            "TRADAI_TABLE_NAME": table.table_name,
            "TRADAI_ARTIFACTS_BUCKET": artifacts.bucket_name,
            "TRADAI_MARKET_DATA_BUCKET": market_data.bucket_name,
            "TRADAI_CORS_ORIGINS": ",".join(config.cors_origins),
            "TRADAI_COGNITO_USER_POOL_ID": users.pool.user_pool_id,
            "TRADAI_COGNITO_CLIENT_IDS": ",".join(users.client_ids),
            "TRADAI_COGNITO_REGION": config.region,
        }

        self.tasks = TaskCluster(self, "Tasks", config=config, vpc=network.vpc)
        # One image, one tag: the Fargate tasks and the image functions (cdk.function_table) run it.
        # An imported view of the repository: `Code.from_ecr_image` would add an unconditioned pull
        # grant to Lambda on the construct itself; the repository grants a conditioned one.
        repository = persistent.worker_images.repository
        self.worker_image = WorkerImage(
            repository=ecr.Repository.from_repository_attributes(
                self,
                "WorkerImages",
                repository_arn=repository.repository_arn,
                repository_name=repository.repository_name,
            ),
            tag_or_digest=worker_image_tag,
        )
        worker_image = ecs.ContainerImage.from_ecr_repository(
            self.worker_image.repository, tag=worker_image_tag
        )
        task_environment = {
            key: value
            for key, value in self.function_environment.items()
            if not key.startswith("TRADAI_COGNITO")
        }
        task_grants = AccessGrants(table=table, artifacts=artifacts, market_data=market_data)
        job_items = {Access.ITEMS_READ, Access.ITEMS_WRITE, Access.MARKET_DATA_READ}
        self.backtest_task = WorkerTask(
            self,
            "BacktestTask",
            config=config,
            spec=TaskSpec(
                family=BACKTEST_TASK_FAMILY,
                description="One backtest chunk (the state machine's Map runs one task per chunk)",
                cpu=config.worker_cpu,
                memory_mib=config.worker_memory_mib,
            ),
            image=worker_image,
            environment=task_environment,
            # Progress and results go to the job item (chunk progress is summed over a query of the
            # job's partition), bars come from ArcticDB's bucket, the chunk's plan is read from and its
            # result files go to the artifacts bucket.
            statements=task_grants.statements(
                job_items | {Access.QUERY_TABLE, Access.ARTIFACTS_READ, Access.ARTIFACTS_WRITE}
            ),
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
            ),
            image=worker_image,
            # A live instance reads its exchange keys from this secret (adapters/exchange_keys.py) and
            # trades only when the environment's switch is on (worker.py checks it again).
            environment=task_environment
            | {"TRADAI_EXCHANGE_KEYS_SECRET": persistent.exchange_keys.secret.secret_arn}
            | live_trading_environment(config.live_trading),
            # Orders, fills and the instance's state are items; a resubmitted order's fills are a query
            # of its partition, and at start the strategy's unsettled orders are a query of the
            # index (issue 8: settled with the broker); live trading reads the exchange keys.
            statements=[
                *task_grants.statements(job_items | {Access.QUERY_TABLE, Access.QUERY_INDEXES}),
                iam.PolicyStatement(
                    actions=["secretsmanager:GetSecretValue"],
                    resources=[persistent.exchange_keys.secret.secret_arn],
                ),
            ],
        )
        self.sync_task = WorkerTask(
            self,
            "SyncTask",
            config=config,
            spec=TaskSpec(
                family=SYNC_TASK_FAMILY,
                description="One background market-data sync (`tradai worker sync --job-id <id>`)",
                cpu=config.instance_cpu,
                memory_mib=config.instance_memory_mib,
            ),
            image=worker_image,
            environment=task_environment,
            # Progress and the sync report go to the job item; fetched bars are written to ArcticDB.
            statements=task_grants.statements(job_items | {Access.MARKET_DATA_WRITE}),
        )
        acknowledge(
            self.sync_task.task_role,
            f"IAM5[Resource::{nag_arn(self, market_data.arn_for_objects('*'))}]",
            "ArcticDB names its segment objects at write time; the sync task reads and writes them.",
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
        # Where strategy instances are started and log (settings read by adapters/ecs_instances.py; B2/B3).
        self.function_environment |= {
            "TRADAI_ECS_CLUSTER": self.tasks.cluster.cluster_name,
            "TRADAI_INSTANCE_TASK_DEFINITION": self.instance_task.definition.task_definition_arn,
            "TRADAI_INSTANCE_CONTAINER_NAME": WORKER_CONTAINER,
            "TRADAI_INSTANCE_SUBNETS": Fn.join(",", [s.subnet_id for s in network.private_subnets]),
            "TRADAI_INSTANCE_SECURITY_GROUPS": self.tasks.task_security_group.security_group_id,
            "TRADAI_INSTANCE_LOG_GROUP": self.instance_task.log_group.log_group_name,
            "TRADAI_INSTANCE_LOG_STREAM_PREFIX": INSTANCE_TASK_FAMILY,
            # Large market-data syncs run as tasks of this definition (adapters/ecs_sync_executor.py).
            "TRADAI_SYNC_TASK_DEFINITION": self.sync_task.definition.task_definition_arn,
            # Its name only: a live run is refused unless keys are configured (the task reads them).
            "TRADAI_EXCHANGE_KEYS_SECRET": persistent.exchange_keys.secret.secret_arn,
        }

        self.load_balancer = InternalLoadBalancer(
            self,
            "LoadBalancer",
            config=config,
            vpc=network.vpc,
            subnets=network.private_subnet_selection,
        )
        grants = AccessGrants(
            table=table,
            artifacts=artifacts,
            market_data=market_data,
            instances=InstanceTasks(
                cluster=self.tasks.cluster,
                task_definition=self.instance_task.definition,
                log_group=self.instance_task.log_group,
                live_trading=config.live_trading,
            ),
            sync_tasks=WorkerTasks(cluster=self.tasks.cluster, task_definition=self.sync_task.definition),
            # The models function reaches MLflow where the HTTP API's VPC link does: the internal ALB.
            mlflow=MlflowServer(
                vpc=network.vpc,
                subnets=network.private_subnet_selection,
                load_balancer=self.load_balancer.alb,
                tracking_uri=f"http://{self.load_balancer.alb.load_balancer_dns_name}{MLFLOW_PREFIX}",
            ),
        )
        names = deployed_functions(websocket=False)
        steps = [name for name in names if name in STATE_MACHINE_STEPS]
        self.functions = build_functions(
            self,
            names=steps,
            config=config,
            layer=self.layer,
            image=self.worker_image,
            environment=self.function_environment,
            grants=grants,
        )
        if set(steps) == set(STATE_MACHINE_STEPS):
            self.backtests = BacktestStateMachine(
                self,
                "BacktestStateMachine",
                config=config,
                table=table,
                plan=self.functions["backtest_plan"].alias,
                aggregate=self.functions["backtest_aggregate"].alias,
                cluster=self.tasks.cluster,
                task_definition=self.backtest_task.definition,
                subnets=network.private_subnets,
                security_groups=[self.tasks.task_security_group],
            )
            self.state_machine: sfn.StateMachine | None = self.backtests.state_machine
            grants = dataclasses.replace(grants, state_machine=self.state_machine)
            self.function_environment["TRADAI_BACKTEST_STATE_MACHINE_ARN"] = (
                self.state_machine.state_machine_arn
            )
        else:
            self.state_machine = None
        self.grants = grants
        self.functions |= build_functions(
            self,
            names=[name for name in names if name not in STATE_MACHINE_STEPS],
            config=config,
            layer=self.layer,
            image=self.worker_image,
            environment=self.function_environment,
            grants=grants,
        )
        self.execution_events: ExecutionEndedRule | None = None
        if self.state_machine is not None and "execution_status" in self.functions:
            self.execution_events = ExecutionEndedRule(
                self,
                "ExecutionEnded",
                config=config,
                state_machine=self.state_machine,
                handler=self.functions["execution_status"].alias,
            )

        self.job_sweep: JobSweepSchedule | None = None
        if self.state_machine is not None and "job_sweeper" in self.functions:
            self.job_sweep = JobSweepSchedule(self, "JobSweep", handler=self.functions["job_sweeper"].alias)

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
                "sync_task_definition_arn": self.sync_task.definition.task_definition_arn,
                **(
                    {"backtest_state_machine_arn": self.state_machine.state_machine_arn}
                    if self.state_machine
                    else {}
                ),
            },
        )
