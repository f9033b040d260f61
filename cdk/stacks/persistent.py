"""tradai-persistent-{env}: data that outlives every other stack (table, buckets, users, images, secrets)."""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from constructs import Construct

from cdk.config import EnvironmentConfig
from cdk.constructs.buckets import DataBuckets
from cdk.constructs.container_registry import WorkerRepository
from cdk.constructs.exchange_secret import ExchangeSecret
from cdk.constructs.job_table import JobTable
from cdk.constructs.user_pool import UserPool
from cdk.outputs import add_outputs


class PersistentStack(Stack):
    """DynamoDB, S3, ECR, Cognito and Secrets Manager; outputs the Cognito ids of seed 001."""

    def __init__(
        self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.jobs = JobTable(self, "Jobs", config=config)
        self.data = DataBuckets(self, "Data", config=config)
        self.users = UserPool(self, "Users", config=config)
        self.worker_images = WorkerRepository(self, "WorkerImages", config=config)
        self.exchange_keys = ExchangeSecret(self, "ExchangeKeys", config=config)

        add_outputs(
            self,
            {
                "cognito_user_pool_id": self.users.pool.user_pool_id,
                "cognito_user_pool_client_id": self.users.spa_client.user_pool_client_id,
                "cognito_m2m_client_id": self.users.m2m_client.user_pool_client_id,
                "cognito_user_pool_endpoint": self.users.domain.base_url(),
                "cognito_issuer": self.users.issuer,
                "table_name": self.jobs.table.table_name,
                "ecr_repository_uri": self.worker_images.repository.repository_uri,
                "exchange_secret_arn": self.exchange_keys.secret.secret_arn,
                **{
                    f"{name.replace('-', '_')}_bucket": bucket.bucket_name
                    for name, bucket in self.data.buckets.items()
                },
            },
        )
