"""The ECR repository of the worker image (backtest chunks and strategy instances on Fargate)."""

from __future__ import annotations

from aws_cdk import aws_ecr as ecr
from constructs import Construct

from cdk.config import EnvironmentConfig
from cdk.constants import ECR_KEEP_IMAGES, resource_name


class WorkerRepository(Construct):
    """Immutable tags, scan on push, only the newest images kept."""

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig) -> None:
        super().__init__(scope, construct_id)
        self.repository = ecr.Repository(
            self,
            "Repository",
            repository_name=resource_name("worker", config.name),
            image_scan_on_push=True,
            image_tag_mutability=ecr.TagMutability.IMMUTABLE,
            encryption=ecr.RepositoryEncryption.AES_256,
            lifecycle_rules=[ecr.LifecycleRule(max_image_count=ECR_KEEP_IMAGES)],
            removal_policy=config.removal,
            empty_on_delete=False,
        )
