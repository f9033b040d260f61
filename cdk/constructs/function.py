"""One TradAI Lambda function with its own least-privilege role, log group and a SnapStart alias."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from cdk.config import EnvironmentConfig
from cdk.constants import (
    LAMBDA_ALIAS,
    LAMBDA_ARCHITECTURE,
    LAMBDA_HANDLER,
    LAMBDA_RUNTIME,
    POWERTOOLS_SERVICE_NAME,
    resource_name,
)
from cdk.constructs.logged_role import log_group, own_role
from cdk.function_table import FUNCTIONS
from cdk.layer_build import REPO_ROOT
from cdk.nag import acknowledge, acknowledge_annotation, acknowledge_wildcards
from cdk.permissions import AccessGrants

FUNCTIONS_DIR = REPO_ROOT / "functions"


@dataclass(frozen=True, kw_only=True)
class FunctionSpec:
    """What differs between functions: the folder under functions/ and its sizes."""

    name: str
    description: str
    memory_mb: int
    timeout: Duration


class TradaiFunction(Construct):
    """`functions/<name>/handler.py` on the shared layer, invoked through the `live` alias.

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
        self.function = lambda_.Function(
            self,
            "Function",
            function_name=resource_name(spec.name, config.name),
            description=spec.description,
            runtime=LAMBDA_RUNTIME,
            architecture=LAMBDA_ARCHITECTURE,
            handler=LAMBDA_HANDLER,
            code=lambda_.Code.from_asset(str(FUNCTIONS_DIR / spec.name)),
            layers=[layer],
            role=self.role,
            memory_size=spec.memory_mb,
            timeout=spec.timeout,
            log_group=self.log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            snap_start=lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS,
            # The handlers' Powertools Tracer sends segments only when active tracing is on.
            tracing=lambda_.Tracing.ACTIVE,
            environment={"POWERTOOLS_SERVICE_NAME": POWERTOOLS_SERVICE_NAME, **environment},
        )
        acknowledge(
            self.role,
            "IAM5[Resource::*]",
            "xray:PutTraceSegments and PutTelemetryRecords (active tracing) support no resource scoping.",
        )
        acknowledge(
            self.function,
            "L1",
            "Python 3.12 on purpose: the layer's wheels are built for cp312 and the package targets 3.11+.",
        )
        self.alias = lambda_.Alias(
            self, "Alias", alias_name=LAMBDA_ALIAS, version=self.function.current_version
        )
        acknowledge_annotation(
            self.function,
            "@aws-cdk/aws-lambda:snapStartRequirePublish",
            "The `live` alias publishes a version on every code change; API Gateway invokes only that alias.",
        )


def build_functions(
    scope: Construct,
    *,
    names: Iterable[str],
    config: EnvironmentConfig,
    layer: lambda_.ILayerVersion,
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
                name=name, description=entry.description, memory_mb=entry.memory_mb, timeout=entry.timeout
            ),
            layer=layer,
            environment=environment,
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
