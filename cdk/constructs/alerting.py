"""The SNS topic every CloudWatch alarm notifies, encrypted with a key CloudWatch may use."""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

from cdk.config import EnvironmentConfig
from cdk.constants import resource_name


class AlarmTopic(Construct):
    """Alarms publish here; operators subscribe (email, chat) outside the app."""

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig) -> None:
        super().__init__(scope, construct_id)
        # An AWS-managed SNS key would refuse CloudWatch alarms: they need a key policy of our own.
        self.key = kms.Key(
            self,
            "Key",
            description=f"Encrypts the {config.name} alarm topic",
            enable_key_rotation=True,
            removal_policy=config.removal,
        )
        self.key.grant(
            iam.ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*"
        )
        self.topic = sns.Topic(
            self,
            "Topic",
            topic_name=resource_name("alarms", config.name),
            master_key=self.key,
            enforce_ssl=True,
        )
