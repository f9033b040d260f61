"""The single DynamoDB table of jobs, connections and metadata."""

from __future__ import annotations

from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from cdk.config import EnvironmentConfig
from cdk.constants import resource_name
from tradai import table_design


class JobTable(Construct):
    """The table, keyed by the same constants the adapters use (`tradai.table_design`, bug B6).

    Streams new and old images (the WebSocket pusher reads them), expires items on the TTL
    attribute, keeps point-in-time recovery and is encrypted.
    """

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig) -> None:
        super().__init__(scope, construct_id)
        self.table = dynamodb.Table(
            self,
            "Table",
            table_name=resource_name("jobs", config.name),
            partition_key=_string_key(table_design.PARTITION_KEY),
            sort_key=_string_key(table_design.SORT_KEY),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
            time_to_live_attribute=table_design.TTL_ATTRIBUTE,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            deletion_protection=config.is_production,
            removal_policy=config.removal,
        )
        for index_name, (index_pk, index_sk) in table_design.INDEXES.items():
            self.table.add_global_secondary_index(
                index_name=index_name,
                partition_key=_string_key(index_pk),
                sort_key=_string_key(index_sk),
                projection_type=dynamodb.ProjectionType.ALL,
            )


def _string_key(name: str) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)
