"""cdk-nag AwsSolutions checks and the one way this app acknowledges a finding (always with a reason)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aws_cdk import Acknowledgment, App, Stack, Validations
from aws_cdk import aws_iam as iam
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct


def enable_checks(app: App) -> None:
    """Run AwsSolutions on every stack at synth; an unacknowledged finding stops the synth."""
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))


def acknowledge_annotation(scope: IConstruct, annotation: str, reason: str) -> None:
    """Acknowledge a CDK annotation warning (e.g. `@aws-cdk/aws-lambda:snapStartRequirePublish`)."""
    Validations.of(scope).acknowledge(Acknowledgment(id=f"Annotation::{annotation}", reason=reason))


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge the AwsSolutions `rule` (e.g. `IAM5[Resource::*]`) on `scope` and its children.

    Args:
        scope: The narrowest construct the finding is about.
        rule: The rule id without the pack prefix.
        reason: Why the finding is acceptable here; shown in the synth report.
    """
    Validations.of(scope).acknowledge(Acknowledgment(id=f"AwsSolutions::AwsSolutions-{rule}", reason=reason))


def acknowledge_wildcards(role: IConstruct, statements: Iterable[iam.PolicyStatement], reason: str) -> None:
    """Acknowledge IAM5 on `role` for each wildcard resource of `statements`, by its exact finding id."""
    for statement in statements:
        for resource in statement.resources:
            rendered = nag_arn(role, resource)
            if "*" in rendered:
                acknowledge(role, f"IAM5[Resource::{rendered}]", reason)


def nag_arn(scope: IConstruct, value: str) -> str:
    """Render `value` as cdk-nag names it in a finding id (`Ref`s of pseudo parameters as `<AWS::...>`).

    A wildcard finding is acknowledged by its exact id, e.g.
    `IAM5[Resource::arn:<AWS::Partition>:s3:::bucket-<AWS::AccountId>/*]`.
    """
    return _render(Stack.of(scope).resolve(value))


def _render(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and "Ref" in value:
        return f"<{value['Ref']}>"
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return f"<{'.'.join(value['Fn::GetAtt'])}>"
    if isinstance(value, dict) and "Fn::Join" in value:
        separator, parts = value["Fn::Join"]
        return str(separator).join(_render(part) for part in parts)
    raise ValueError(f"cannot render {value!r} as a cdk-nag finding id")
