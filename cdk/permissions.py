"""Least-privilege IAM statements: exactly the actions a function's code calls, on exactly its resources."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_stepfunctions as sfn

from cdk.function_table import Access
from tradai.table_design import INDEXES


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


@dataclass(frozen=True, kw_only=True)
class InstanceTasks:
    """What starting strategy instances touches: the cluster, their task definition and its roles."""

    cluster: ecs.ICluster
    task_definition: ecs.TaskDefinition
    log_group: logs.ILogGroup
    """Where the instance containers log (the logs route reads it)."""
    live_trading: bool = False
    """The environment's live-trading switch: the starting functions refuse live runs without it."""


@dataclass(frozen=True, kw_only=True)
class WorkerTasks:
    """Tasks of one worker task definition on the cluster (market-data syncs)."""

    cluster: ecs.ICluster
    task_definition: ecs.TaskDefinition


@dataclass(frozen=True, kw_only=True)
class MlflowServer:
    """Where MLflow is served: behind the internal ALB, reached from the VPC's private subnets."""

    vpc: ec2.IVpc
    subnets: ec2.SubnetSelection
    load_balancer: elbv2.IApplicationLoadBalancer
    tracking_uri: str
    """`http://{alb}/mlflow`: MLflow serves its REST API under the prefix (B7)."""


@dataclass(frozen=True, kw_only=True)
class FunctionNetwork:
    """A function's place in the VPC and the load balancer whose listener it must reach."""

    vpc: ec2.IVpc
    subnets: ec2.SubnetSelection
    load_balancer: elbv2.IApplicationLoadBalancer


@dataclass(frozen=True, kw_only=True)
class AccessGrants:
    """Turns a function's `Access` set into IAM statements on this environment's resources.

    A stack passes the resources it can reference; asking for access to one it lacks is a
    configuration error caught at synth, not a silent gap found in production.
    """

    table: dynamodb.ITable
    artifacts: s3.IBucket
    market_data: s3.IBucket | None = None
    state_machine: sfn.StateMachine | None = None
    instances: InstanceTasks | None = None
    sync_tasks: WorkerTasks | None = None
    websocket_connections_arn: str | None = None
    """`arn:...:execute-api:{region}:{account}:{api}/{stage}/*/@connections/*`."""
    mlflow: MlflowServer | None = None

    def statements(self, access: Iterable[Access]) -> list[iam.PolicyStatement]:
        """The statements granting exactly `access`, in a stable order."""
        granted = set(access)
        return [statement for kind in Access if kind in granted for statement in self._for(kind)]

    def network(self, access: Iterable[Access]) -> FunctionNetwork | None:
        """Where in the VPC a function with `access` runs; None outside it (no access needs the VPC)."""
        if Access.MLFLOW_SERVER not in set(access):
            return None
        mlflow = _required(self.mlflow, Access.MLFLOW_SERVER)
        return FunctionNetwork(vpc=mlflow.vpc, subnets=mlflow.subnets, load_balancer=mlflow.load_balancer)

    def environment(self, access: Iterable[Access]) -> dict[str, str]:
        """Settings only some functions get: MLflow's address only where the network reaches it, the
        live-trading switch only where instances are started."""
        granted = set(access)
        environment = {}
        if Access.MLFLOW_SERVER in granted:
            environment["TRADAI_MLFLOW_TRACKING_URI"] = _required(
                self.mlflow, Access.MLFLOW_SERVER
            ).tracking_uri
        if Access.STRATEGY_INSTANCES in granted:
            instances = _required(self.instances, Access.STRATEGY_INSTANCES)
            environment |= live_trading_environment(instances.live_trading)
        return environment

    def _for(self, kind: Access) -> list[iam.PolicyStatement]:
        table = self.table
        if kind is Access.ITEMS_READ:
            return [table_items(table, "dynamodb:GetItem")]
        if kind is Access.ITEMS_WRITE:
            return [
                table_items(table, "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem")
            ]
        if kind is Access.ITEMS_UPDATE:
            return [table_items(table, "dynamodb:UpdateItem")]
        if kind is Access.ITEMS_DELETE:
            return [table_items(table, "dynamodb:DeleteItem")]
        if kind is Access.QUERY_INDEXES:
            return [table_indexes(table, INDEXES, "dynamodb:Query")]
        if kind is Access.QUERY_TABLE:
            return [table_items(table, "dynamodb:Query")]
        if kind is Access.ARTIFACTS_LIST:
            return [bucket_listing(self.artifacts)]
        if kind is Access.ARTIFACTS_READ:
            return [bucket_objects(self.artifacts, "s3:GetObject")]
        if kind is Access.ARTIFACTS_WRITE:
            return [bucket_objects(self.artifacts, "s3:PutObject")]
        if kind is Access.MARKET_DATA_READ:
            bucket = _required(self.market_data, kind)
            return [bucket_listing(bucket), bucket_objects(bucket, "s3:GetObject")]
        if kind is Access.MARKET_DATA_WRITE:
            return [bucket_objects(_required(self.market_data, kind), "s3:PutObject", "s3:DeleteObject")]
        if kind is Access.BACKTEST_EXECUTIONS:
            return state_machine_executions(_required(self.state_machine, kind))
        if kind is Access.BACKTEST_START:
            return state_machine_executions(_required(self.state_machine, kind))[:1]
        if kind is Access.STRATEGY_INSTANCES:
            return strategy_instance_tasks(_required(self.instances, kind))
        if kind in (Access.SYNC_TASKS, Access.SYNC_START):
            sync = _required(self.sync_tasks, kind)
            return worker_task_statements(sync.cluster, sync.task_definition, stop=kind is Access.SYNC_TASKS)
        if kind is Access.MLFLOW_SERVER:
            return []  # plain HTTP inside the VPC: the network placement and security groups grant it
        return [
            iam.PolicyStatement(
                actions=["execute-api:ManageConnections"],
                resources=[_required(self.websocket_connections_arn, kind)],
            )
        ]


def live_trading_environment(enabled: bool) -> dict[str, str]:
    """`TRADAI_LIVE_TRADING` as `tradai.settings` reads it, set either way so the console shows it."""
    return {"TRADAI_LIVE_TRADING": "true" if enabled else "false"}


def state_machine_executions(state_machine: sfn.StateMachine) -> list[iam.PolicyStatement]:
    """Start executions of the state machine; stop (cancel) only its own executions (the second statement)."""
    executions = Stack.of(state_machine).format_arn(
        service="states",
        resource="execution",
        resource_name=f"{state_machine.state_machine_name}:*",
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )
    return [
        iam.PolicyStatement(actions=["states:StartExecution"], resources=[state_machine.state_machine_arn]),
        iam.PolicyStatement(actions=["states:StopExecution"], resources=[executions]),
    ]


def strategy_instance_tasks(instances: InstanceTasks) -> list[iam.PolicyStatement]:
    """ECS permissions of the strategy-instance routes (`worker_task_statements`), and their logs."""
    statements = worker_task_statements(instances.cluster, instances.task_definition)
    logs_read = iam.PolicyStatement(
        actions=["logs:GetLogEvents"], resources=[instances.log_group.log_group_arn]
    )
    return [*statements[:-1], logs_read, statements[-1]]


def worker_task_statements(
    cluster: ecs.ICluster, definition: ecs.TaskDefinition, *, stop: bool = True
) -> list[iam.PolicyStatement]:
    """Start, stop, list and describe tasks of one task definition, scoped to one cluster and family (B2, B3).

    RunTask names the task definition family and is bound to the cluster; StopTask (unless `stop`
    is False), DescribeTasks and ListTasks act on tasks (ListTasks on container instances) of that
    cluster only; PassRole hands over exactly the task's two roles, and only to ECS tasks (the last
    statement).
    """
    on_cluster = {"ArnEquals": {"ecs:cluster": cluster.cluster_arn}}
    stack = Stack.of(cluster)
    family_arn = stack.format_arn(
        service="ecs", resource="task-definition", resource_name=f"{definition.family}:*"
    )
    tasks_arn = stack.format_arn(service="ecs", resource="task", resource_name=f"{cluster.cluster_name}/*")
    container_instances_arn = stack.format_arn(
        service="ecs", resource="container-instance", resource_name=f"{cluster.cluster_name}/*"
    )
    roles = [definition.task_role.role_arn, definition.obtain_execution_role().role_arn]
    return [
        iam.PolicyStatement(actions=["ecs:RunTask"], resources=[family_arn], conditions=on_cluster),
        iam.PolicyStatement(
            actions=["ecs:StopTask", "ecs:DescribeTasks"] if stop else ["ecs:DescribeTasks"],
            resources=[tasks_arn],
            conditions=on_cluster,
        ),
        iam.PolicyStatement(
            actions=["ecs:ListTasks"], resources=[container_instances_arn], conditions=on_cluster
        ),
        iam.PolicyStatement(
            actions=["iam:PassRole"],
            resources=roles,
            conditions={"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
        ),
    ]


_T = TypeVar("_T")


def _required(value: _T | None, kind: Access) -> _T:
    if value is None:
        raise ValueError(f"{kind.name} is not available in this stack: build the function where it is")
    return value
