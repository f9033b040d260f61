"""A Fargate task definition running the worker image (`tradai worker ...`) with its own task role."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_iam as iam
from constructs import Construct

from cdk.config import EnvironmentConfig
from cdk.constants import WORKER_CONTAINER, resource_name
from cdk.constructs.logged_role import log_group, own_role
from cdk.nag import acknowledge


@dataclass(frozen=True, kw_only=True)
class TaskSpec:
    """What differs between the worker's task definitions: family and size.

    The image has no entry point; RunTask gives each task its whole command (`tradai worker backtest
    --job-id <id> --chunk <n>`, or an instance's), so the definitions set none.
    """

    family: str
    description: str
    cpu: int
    memory_mib: int


class WorkerTask(Construct):
    """One X86_64 Fargate task definition of the worker image.

    X86_64 because ArcticDB publishes Linux wheels for x86_64 only (containers/worker/Dockerfile).

    The task role holds exactly `statements` (what the worker's code calls); the execution role only
    pulls the image, writes the task's log group and reads `secrets`.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        spec: TaskSpec,
        image: ecs.ContainerImage,
        environment: Mapping[str, str],
        statements: Sequence[iam.PolicyStatement],
        secrets: Mapping[str, ecs.Secret] | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = log_group(self, config)
        self.task_role = own_role(
            self,
            "TaskRole",
            service="ecs-tasks.amazonaws.com",
            description=f"{spec.family} tasks: only the data actions the worker's code uses",
            statements=statements,
        )
        self.definition = ecs.FargateTaskDefinition(
            self,
            "Definition",
            family=resource_name(spec.family, config.name),
            cpu=spec.cpu,
            memory_limit_mib=spec.memory_mib,
            task_role=self.task_role,
            runtime_platform=ecs.RuntimePlatform(
                cpu_architecture=ecs.CpuArchitecture.X86_64,
                operating_system_family=ecs.OperatingSystemFamily.LINUX,
            ),
        )
        self.container = self.definition.add_container(
            WORKER_CONTAINER,
            container_name=WORKER_CONTAINER,
            image=image,
            environment=dict(environment),
            secrets=dict(secrets or {}),
            logging=ecs.LogDriver.aws_logs(stream_prefix=spec.family, log_group=self.log_group),
        )
        self.execution_role = self.definition.obtain_execution_role()
        acknowledge(
            self.definition,
            "ECS2",
            "Plain variables hold resource names and the runtime only; credentials come as ECS secrets.",
        )
        acknowledge(
            self.execution_role,
            "IAM5[Resource::*]",
            "ecr:GetAuthorizationToken has no resource-level permissions; image pulls name the repository.",
        )
