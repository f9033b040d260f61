"""One TradAI Lambda function with its own least-privilege role, log group and a `live` alias.

A function is a zip of its folder on the shared layer (arm64, SnapStart), or, when its routes need
the heavy packages, the worker image with its handler as the command (x86_64; images have no
SnapStart). See `cdk.function_table` for which is which.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from cdk.config import EnvironmentConfig
from cdk.constants import (
    ALB_PORT,
    IMAGE_ARCHITECTURE,
    IMAGE_ENTRYPOINT,
    IMAGE_FUNCTION_ENVIRONMENT,
    IMAGE_FUNCTIONS_DIR,
    LAMBDA_ALIAS,
    LAMBDA_ARCHITECTURE,
    LAMBDA_HANDLER,
    LAMBDA_RUNTIME,
    LAMBDA_VPC_ACTIONS,
    POWERTOOLS_SERVICE_NAME,
    resource_name,
)
from cdk.constructs.logged_role import log_group, own_role
from cdk.function_table import FUNCTIONS
from cdk.layer_build import REPO_ROOT
from cdk.nag import acknowledge, acknowledge_annotation, acknowledge_wildcards
from cdk.permissions import AccessGrants, FunctionNetwork

FUNCTIONS_DIR = REPO_ROOT / "functions"


@dataclass(frozen=True, kw_only=True)
class FunctionSpec:
    """What differs between functions: the folder under functions/ and its sizes."""

    name: str
    description: str
    memory_mb: int
    timeout: Duration
    image: bool = False
    """Run from the worker image instead of the zip on the shared layer."""


@dataclass(frozen=True, kw_only=True)
class WorkerImage:
    """The worker image in ECR (containers/worker/Dockerfile) at one tag or `sha256:` digest."""

    repository: ecr.IRepository
    tag_or_digest: str

    def code(self, function: str) -> lambda_.Code:
        """The image with `functions/<function>/handler.py` as the Lambda handler."""
        return lambda_.Code.from_ecr_image(
            self.repository,
            tag_or_digest=self.tag_or_digest,
            entrypoint=list(IMAGE_ENTRYPOINT),
            cmd=[image_handler(function)],
            working_directory=IMAGE_FUNCTIONS_DIR,
        )


def image_handler(function: str) -> str:
    """The handler an image function's command names: `functions.<name>.handler.lambda_handler`."""
    return f"functions.{function}.{LAMBDA_HANDLER}"


class TradaiFunction(Construct):
    """`functions/<name>/handler.py` (zip on the layer, or the worker image), invoked through `live`.

    The role is the function's own: only log writes to its log group plus `statements`, so each
    function holds exactly the permissions its code uses (no managed policies, no `*` actions).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        spec: FunctionSpec,
        layer: lambda_.ILayerVersion,
        image: WorkerImage | None = None,
        network: FunctionNetwork | None = None,
        environment: Mapping[str, str],
        statements: Sequence[iam.PolicyStatement],
    ) -> None:
        super().__init__(scope, construct_id)
        self.log_group = log_group(self, config)
        log_writes = iam.PolicyStatement(
            actions=["logs:CreateLogStream", "logs:PutLogEvents"], resources=[self.log_group.log_group_arn]
        )
        self.role = own_role(
            self,
            "Role",
            service="lambda.amazonaws.com",
            description=f"{spec.name} Lambda: its log group and only the data actions its code uses",
            statements=[log_writes, *statements],
        )
        self.security_group: ec2.SecurityGroup | None = None
        placement = self._place(spec, network) if network else {}
        self.function = lambda_.Function(
            self,
            "Function",
            function_name=resource_name(spec.name, config.name),
            description=spec.description,
            role=self.role,
            memory_size=spec.memory_mb,
            timeout=spec.timeout,
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            # The handlers' Powertools Tracer sends segments only when active tracing is on.
            tracing=lambda_.Tracing.ACTIVE,
            environment={"POWERTOOLS_SERVICE_NAME": POWERTOOLS_SERVICE_NAME, **environment},
            **(self._image_package(spec, image) if spec.image else self._zip_package(spec, layer)),
            **placement,
        )
        acknowledge(
            self.role,
            "IAM5[Resource::*]",
            "xray:PutTraceSegments and PutTelemetryRecords (active tracing) support no resource scoping"
            + ("; nor do the network-interface actions Lambda needs in a VPC." if network else "."),
        )
        # A new version whenever the code (zip hash or image tag) changes; API Gateway invokes the alias.
        self.alias = lambda_.Alias(
            self, "Alias", alias_name=LAMBDA_ALIAS, version=self.function.current_version
        )
        if not spec.image:
            _acknowledge_zip(self.function)

    def _place(self, spec: FunctionSpec, network: FunctionNetwork) -> dict[str, Any]:
        """Private subnets, a group of its own that the load balancer admits, and ENI permissions."""
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=network.vpc,
            description=f"{spec.name} Lambda: out to the internal ALB and AWS APIs",
            allow_all_outbound=True,
        )
        network.load_balancer.connections.allow_from(
            self.security_group, ec2.Port.tcp(ALB_PORT), f"{spec.name} Lambda"
        )
        self.role.add_to_policy(iam.PolicyStatement(actions=list(LAMBDA_VPC_ACTIONS), resources=["*"]))
        return {"vpc": network.vpc, "vpc_subnets": network.subnets, "security_groups": [self.security_group]}

    @staticmethod
    def _zip_package(spec: FunctionSpec, layer: lambda_.ILayerVersion) -> dict[str, Any]:
        """The folder as a zip on the shared layer, arm64, SnapStart on published versions."""
        return {
            "code": lambda_.Code.from_asset(str(FUNCTIONS_DIR / spec.name)),
            "handler": LAMBDA_HANDLER,
            "runtime": LAMBDA_RUNTIME,
            "architecture": LAMBDA_ARCHITECTURE,
            "layers": [layer],
            "snap_start": lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS,
        }

    @staticmethod
    def _image_package(spec: FunctionSpec, image: WorkerImage | None) -> dict[str, Any]:
        """The worker image (x86_64 like the image; Lambda has no SnapStart for images)."""
        if image is None:
            raise ValueError(f"{spec.name} runs from the worker image: build it where the image is given")
        return {
            "code": image.code(spec.name),
            "handler": lambda_.Handler.FROM_IMAGE,
            "runtime": lambda_.Runtime.FROM_IMAGE,
            "architecture": IMAGE_ARCHITECTURE,
        }


def _acknowledge_zip(function: lambda_.Function) -> None:
    acknowledge(
        function,
        "L1",
        "Python 3.12 on purpose: the layer's wheels are built for cp312 and the package targets 3.11+.",
    )
    acknowledge_annotation(
        function,
        "@aws-cdk/aws-lambda:snapStartRequirePublish",
        "The `live` alias publishes a version on every code change; API Gateway invokes only that alias.",
    )


def build_functions(
    scope: Construct,
    *,
    names: Iterable[str],
    config: EnvironmentConfig,
    layer: lambda_.ILayerVersion,
    image: WorkerImage | None = None,
    environment: Mapping[str, str],
    grants: AccessGrants,
) -> dict[str, TradaiFunction]:
    """One `TradaiFunction` per name of `function_table.FUNCTIONS`, each granted exactly its access.

    A wildcard resource (object keys, task ids, connection ids known only at run time) is
    acknowledged for cdk-nag on that function's role with the reason its access kind gives.
    """
    functions: dict[str, TradaiFunction] = {}
    for name in names:
        entry = FUNCTIONS[name]
        statements = grants.statements(entry.access)
        function = TradaiFunction(
            scope,
            construct_id(name),
            config=config,
            spec=FunctionSpec(
                name=name,
                description=entry.description,
                memory_mb=entry.memory_mb,
                timeout=entry.timeout,
                image=entry.image,
            ),
            layer=layer,
            image=image,
            network=grants.network(entry.access),
            environment={
                **environment,
                **grants.environment(entry.access),
                **(IMAGE_FUNCTION_ENVIRONMENT if entry.image else {}),
            },
            statements=statements,
        )
        acknowledge_wildcards(function.role, statements, WILDCARD_REASON)
        functions[name] = function
    return functions


def construct_id(name: str) -> str:
    """A function's construct id: its folder name in CamelCase (`ws_ticket` -> `WsTicket`)."""
    return "".join(part.title() for part in name.split("_"))


WILDCARD_REASON = (
    "Only names chosen at run time are wildcarded (result keys with the job id, ArcticDB segments, "
    "ECS task ids, WebSocket connection ids, executions named by job id) under one named resource."
)
