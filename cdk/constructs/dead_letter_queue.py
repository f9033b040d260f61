"""An SQS dead-letter queue for asynchronous failures (the stream pusher's failed batches)."""

from __future__ import annotations

from aws_cdk import aws_sqs as sqs
from constructs import Construct

from cdk.config import EnvironmentConfig
from cdk.constants import DLQ_RETENTION, resource_name
from cdk.nag import acknowledge


class DeadLetterQueue(Construct):
    """A TLS-only, encrypted queue keeping failed events for SQS's maximum retention."""

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, name: str) -> None:
        super().__init__(scope, construct_id)
        self.queue = sqs.Queue(
            self,
            "Queue",
            queue_name=resource_name(f"{name}-dlq", config.name),
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=DLQ_RETENTION,
            removal_policy=config.removal,
        )
        acknowledge(
            self.queue, "SQS3", "This queue is itself the dead-letter queue; it needs none of its own."
        )
