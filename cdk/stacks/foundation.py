"""tradai-foundation-{env}: the network, the alarm topic and the dead-letter queues."""

from __future__ import annotations

from typing import Any

from aws_cdk import Fn, Stack
from constructs import Construct

from cdk.config import EnvironmentConfig
from cdk.constructs.alerting import AlarmTopic
from cdk.constructs.dead_letter_queue import DeadLetterQueue
from cdk.constructs.mlflow_database import MlflowDatabase
from cdk.constructs.network import Network
from cdk.outputs import add_outputs


class FoundationStack(Stack):
    """VPC (two AZs, NAT per env, S3/DynamoDB gateway endpoints), RDS for MLflow, SNS alarms, SQS DLQ.

    MLflow's PostgreSQL lives here too; the MLflow service itself joins the compute stack later.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.network = Network(self, "Network", config=config)
        self.mlflow_db = MlflowDatabase(
            self,
            "MlflowDb",
            config=config,
            vpc=self.network.vpc,
            subnets=self.network.private_subnet_selection,
        )
        self.alarms = AlarmTopic(self, "Alarms", config=config)
        self.stream_dlq = DeadLetterQueue(self, "StreamDlq", config=config, name="stream-pusher")

        add_outputs(
            self,
            {
                "vpc_id": self.network.vpc.vpc_id,
                "private_subnet_ids": Fn.join(
                    ",", [subnet.subnet_id for subnet in self.network.private_subnets]
                ),
                "rds_endpoint": self.mlflow_db.instance.db_instance_endpoint_address,
                "alarm_topic_arn": self.alarms.topic.topic_arn,
                "stream_dlq_arn": self.stream_dlq.queue.queue_arn,
            },
        )
