"""The log group and least-privilege role every compute construct (Lambda, Fargate task) starts with."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from constructs import Construct

from cdk.config import EnvironmentConfig


def log_group(scope: Construct, config: EnvironmentConfig) -> logs.LogGroup:
    """`scope`'s own log group (`Logs`), kept as long and removed as the environment says."""
    return logs.LogGroup(scope, "Logs", retention=config.log_retention, removal_policy=config.removal)


def own_role(
    scope: Construct,
    construct_id: str,
    *,
    service: str,
    description: str,
    statements: Sequence[iam.PolicyStatement],
) -> iam.Role:
    """A role only `service` assumes, holding exactly `statements`: no managed policies, nothing else."""
    role = iam.Role(scope, construct_id, assumed_by=iam.ServicePrincipal(service), description=description)
    for statement in statements:
        role.add_to_policy(statement)
    return role
