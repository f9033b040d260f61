"""The Secrets Manager secret holding exchange API keys for live trading."""

from __future__ import annotations

from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from cdk.config import EnvironmentConfig
from cdk.constants import resource_name
from cdk.nag import acknowledge


class ExchangeSecret(Construct):
    """An empty secret that operators fill with the exchange keys (`aws secretsmanager put-secret-value`)."""

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig) -> None:
        super().__init__(scope, construct_id)
        self.secret = secretsmanager.Secret(
            self,
            "Secret",
            secret_name=resource_name("exchange-keys", config.name),
            description="Exchange API keys of live strategies, as a JSON map exchange -> {apiKey, secret}.",
            removal_policy=config.removal,
        )
        acknowledge(
            self.secret,
            "SMG4",
            "Exchange keys are issued and rotated at the exchange, then pasted in; no Lambda rotates them.",
        )
