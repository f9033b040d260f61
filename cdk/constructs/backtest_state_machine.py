"""The backtest state machine from statemachines/backtest.asl.json, its substitutions and its role.

The definition is the file as issue 9 wrote it (checked by asl-validator and run on moto); this
construct only fills its `${...}` keys (statemachines/README.md) and grants exactly what its states
call: UpdateItem on the table, the two Lambda aliases, RunTask of the backtest task family on the
cluster, StopTask/DescribeTasks of that cluster's tasks, PassRole of that task's roles to ECS, and
the EventBridge rule `.sync` waits with.
"""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import ArnFormat, Fn, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from cdk.config import EnvironmentConfig
from cdk.constants import WORKER_CONTAINER, resource_name
from cdk.layer_build import REPO_ROOT
from cdk.nag import acknowledge, acknowledge_wildcards

DEFINITION_FILE = REPO_ROOT / "statemachines" / "backtest.asl.json"
ECS_SYNC_RULE = "StepFunctionsGetEventsForECSTaskRule"
"""The managed EventBridge rule Step Functions creates to wait for a `.sync` ECS task."""


class BacktestStateMachine(Construct):
    """Standard workflow, all events logged with execution data, X-Ray tracing on."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        table: dynamodb.ITable,
        plan: lambda_.IFunction,
        aggregate: lambda_.IFunction,
        cluster: ecs.ICluster,
        task_definition: ecs.TaskDefinition,
        subnets: Sequence[ec2.ISubnet],
        security_groups: Sequence[ec2.ISecurityGroup],
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.substitutions = {
            "JobsTableName": table.table_name,
            "PlanFunctionArn": plan.function_arn,
            "AggregateFunctionArn": aggregate.function_arn,
            "ClusterArn": cluster.cluster_arn,
            "WorkerTaskDefinitionArn": task_definition.task_definition_arn,
            "WorkerContainerName": WORKER_CONTAINER,
            "SubnetIds": Fn.join(",", [subnet.subnet_id for subnet in subnets]),
            "SecurityGroupIds": Fn.join(",", [group.security_group_id for group in security_groups]),
        }
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("states.amazonaws.com"),
            description="Backtest state machine: the job item, its two Lambdas and its Fargate chunks",
        )
        on_cluster = {"ArnEquals": {"ecs:cluster": cluster.cluster_arn}}
        family = stack.format_arn(
            service="ecs", resource="task-definition", resource_name=f"{task_definition.family}:*"
        )
        tasks = stack.format_arn(service="ecs", resource="task", resource_name=f"{cluster.cluster_name}/*")
        passed_roles = [task_definition.task_role.role_arn, task_definition.obtain_execution_role().role_arn]
        sync_rule = stack.format_arn(service="events", resource="rule", resource_name=ECS_SYNC_RULE)
        statements = [
            iam.PolicyStatement(actions=["dynamodb:UpdateItem"], resources=[table.table_arn]),
            iam.PolicyStatement(
                actions=["lambda:InvokeFunction"], resources=[plan.function_arn, aggregate.function_arn]
            ),
            iam.PolicyStatement(actions=["ecs:RunTask"], resources=[family], conditions=on_cluster),
            iam.PolicyStatement(
                actions=["ecs:StopTask", "ecs:DescribeTasks"], resources=[tasks], conditions=on_cluster
            ),
            iam.PolicyStatement(
                actions=["iam:PassRole"],
                resources=passed_roles,
                conditions={"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}},
            ),
            iam.PolicyStatement(
                actions=["events:PutTargets", "events:PutRule", "events:DescribeRule"], resources=[sync_rule]
            ),
        ]
        for statement in statements:
            self.role.add_to_policy(statement)
        acknowledge_wildcards(
            self.role,
            statements,
            "Run-time names only: the backtest family's revisions and this cluster's task ids.",
        )
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/aws/vendedlogs/states/{resource_name('backtest', config.name)}",
            retention=config.log_retention,
            removal_policy=config.removal,
        )
        self.state_machine = sfn.StateMachine(
            self,
            "StateMachine",
            state_machine_name=resource_name("backtest", config.name),
            state_machine_type=sfn.StateMachineType.STANDARD,
            # Inline (not an S3 asset): the template shows the definition, and tests compare it to the file.
            definition_body=sfn.DefinitionBody.from_string(DEFINITION_FILE.read_text()),
            definition_substitutions=self.substitutions,
            role=self.role,
            logs=sfn.LogOptions(
                destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=True
            ),
            tracing_enabled=True,
        )
        acknowledge(
            self.role,
            "IAM5[Resource::*]",
            "Log delivery (logs:*LogDelivery, resource policies) and X-Ray support no resource scoping.",
        )

    @property
    def executions_arn(self) -> str:
        """`arn:...:execution:{name}:*`: this state machine's executions (what cancel stops)."""
        return Stack.of(self).format_arn(
            service="states",
            resource="execution",
            resource_name=f"{self.state_machine.state_machine_name}:*",
            arn_format=ArnFormat.COLON_RESOURCE_NAME,
        )
