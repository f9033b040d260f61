"""The ECS cluster of the Fargate tasks (backtest chunks, strategy instances, MLflow)."""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from constructs import Construct

from cdk.config import EnvironmentConfig
from cdk.constants import resource_name


class TaskCluster(Construct):
    """A Fargate-only cluster with Container Insights, and the security group of its worker tasks.

    Worker tasks only call out (DynamoDB and S3 through the gateway endpoints, the exchange and ECR
    through NAT): their group admits nothing in.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, vpc: ec2.IVpc
    ) -> None:
        super().__init__(scope, construct_id)
        self.cluster = ecs.Cluster(
            self,
            "Cluster",
            cluster_name=resource_name("cluster", config.name),
            vpc=vpc,
            container_insights_v2=ecs.ContainerInsights.ENABLED,
            enable_fargate_capacity_providers=True,
        )
        self.task_security_group = ec2.SecurityGroup(
            self,
            "TaskSecurityGroup",
            vpc=vpc,
            description="Backtest chunk and strategy instance tasks: outbound only",
            allow_all_outbound=True,
        )
