"""Stack outputs, named as seed 001 lists them (snake_case keys read by deploy scripts and Amplify)."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import CfnOutput, Stack


def add_outputs(stack: Stack, outputs: Mapping[str, str]) -> None:
    """Declare one CloudFormation output per entry of `{seed_001_name: value}`.

    Output keys must be alphanumeric, so `cognito_user_pool_id` becomes `CognitoUserPoolId`; the
    description keeps the seed's name (docs/deploy.md maps both).
    """
    for name, value in outputs.items():
        CfnOutput(stack, output_key(name), value=value, description=name)


def output_key(name: str) -> str:
    """The CloudFormation output key of a seed 001 output name: `api_gateway_id` -> `ApiGatewayId`."""
    return "".join(part.title() for part in name.split("_"))
