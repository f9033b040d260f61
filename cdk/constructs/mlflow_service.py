"""MLflow (tracking server and model registry) on Fargate: PostgreSQL backend, S3 artifacts, under /mlflow.

MLflow 3.x's `--static-prefix /mlflow` moves the REST API as well as the UI (`/mlflow/api/2.0/...`,
`/mlflow/health`), so the ALB forwards `/mlflow` and `/mlflow/*` unchanged and health-checks
`/mlflow/health`. Bug B7 was the opposite assumption (only the UI moved): tests/infrastructure
checks the command, the listener rule and the health check agree with MLflow's own route table.
"""

from __future__ import annotations

from aws_cdk import Aws, Duration
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_rds as rds
from aws_cdk import aws_s3 as s3
from constructs import Construct

from cdk.config import EnvironmentConfig
from cdk.constants import (
    ALB_MLFLOW_RULE_PRIORITY,
    MLFLOW_ARTIFACT_PREFIX,
    MLFLOW_DB_NAME,
    MLFLOW_DB_PORT,
    MLFLOW_DESIRED_COUNT,
    MLFLOW_HEALTH_PATH,
    MLFLOW_PORT,
    MLFLOW_PREFIX,
    MLFLOW_WORKERS,
    resource_name,
)
from cdk.layer_build import REPO_ROOT
from cdk.nag import acknowledge, nag_arn

MLFLOW_IMAGE_DIR = REPO_ROOT / "containers" / "mlflow"


def mlflow_command(*, artifacts_uri: str, allowed_hosts: str) -> list[str]:
    """The `mlflow ...` arguments of the container (the image's entrypoint sets the backend store URI)."""
    return [
        "server",
        "--host", "0.0.0.0",  # noqa: S104 - the task's own interface, behind the ALB's security group
        "--port", str(MLFLOW_PORT),
        "--workers", str(MLFLOW_WORKERS),
        "--static-prefix", MLFLOW_PREFIX,
        "--serve-artifacts",
        "--artifacts-destination", artifacts_uri,
        "--allowed-hosts", allowed_hosts,
    ]  # fmt: skip


class MlflowService(Construct):
    """One Fargate service in the private subnets, registered with the ALB's `/mlflow` rule."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        cluster: ecs.ICluster,
        subnets: ec2.SubnetSelection,
        database: rds.DatabaseInstance,
        artifacts: s3.IBucket,
        listener: elbv2.ApplicationListener,
        load_balancer: elbv2.IApplicationLoadBalancer,
    ) -> None:
        super().__init__(scope, construct_id)
        secret = database.secret
        if secret is None:
            raise ValueError("the MLflow database must have a generated secret")
        log_group = logs.LogGroup(self, "Logs", retention=config.log_retention, removal_policy=config.removal)
        task_role = iam.Role(
            self,
            "TaskRole",
            assumed_by=iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
            description="MLflow server: its artifacts under mlflow/ in the artifacts bucket",
        )
        artifact_objects = artifacts.arn_for_objects(f"{MLFLOW_ARTIFACT_PREFIX}/*")
        task_role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], resources=[artifact_objects]
            )
        )
        task_role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:ListBucket"],
                resources=[artifacts.bucket_arn],
                conditions={"StringLike": {"s3:prefix": [f"{MLFLOW_ARTIFACT_PREFIX}/*"]}},
            )
        )
        acknowledge(
            task_role,
            f"IAM5[Resource::{nag_arn(self, artifact_objects)}]",
            "MLflow names artifact keys per run and model at run time, all under the mlflow/ prefix.",
        )
        definition = ecs.FargateTaskDefinition(
            self,
            "Definition",
            family=resource_name("mlflow", config.name),
            cpu=config.mlflow_cpu,
            memory_limit_mib=config.mlflow_memory_mib,
            task_role=task_role,
            runtime_platform=ecs.RuntimePlatform(
                cpu_architecture=ecs.CpuArchitecture.ARM64,
                operating_system_family=ecs.OperatingSystemFamily.LINUX,
            ),
        )
        # Requests arrive with the ALB's name as Host (through the VPC link) or API Gateway's; MLflow 3.x
        # refuses other hosts (DNS-rebinding guard). Health checks use the task's private address.
        allowed_hosts = ",".join(
            [load_balancer.load_balancer_dns_name, f"*.execute-api.{Aws.REGION}.amazonaws.com"]
        )
        definition.add_container(
            "mlflow",
            container_name="mlflow",
            image=ecs.ContainerImage.from_asset(
                str(MLFLOW_IMAGE_DIR), platform=ecr_assets.Platform.LINUX_ARM64
            ),
            command=mlflow_command(
                artifacts_uri=artifacts.s3_url_for_object(MLFLOW_ARTIFACT_PREFIX), allowed_hosts=allowed_hosts
            ),
            environment={
                "DB_HOST": database.db_instance_endpoint_address,
                "DB_PORT": database.db_instance_endpoint_port,
                "DB_NAME": MLFLOW_DB_NAME,
            },
            secrets={
                "DB_USER": ecs.Secret.from_secrets_manager(secret, "username"),
                "DB_PASSWORD": ecs.Secret.from_secrets_manager(secret, "password"),
            },
            port_mappings=[ecs.PortMapping(container_port=MLFLOW_PORT)],
            logging=ecs.LogDriver.aws_logs(stream_prefix="mlflow", log_group=log_group),
        )
        acknowledge(
            definition,
            "ECS2",
            "Plain variables hold the database host, port and name; user and password come as ECS secrets.",
        )
        self.service = ecs.FargateService(
            self,
            "Service",
            service_name=resource_name("mlflow", config.name),
            cluster=cluster,
            task_definition=definition,
            desired_count=MLFLOW_DESIRED_COUNT,
            vpc_subnets=subnets,
            assign_public_ip=False,
            circuit_breaker=ecs.DeploymentCircuitBreaker(rollback=True),
            min_healthy_percent=0 if MLFLOW_DESIRED_COUNT == 1 else 50,
        )
        # The rule lives here, in compute: added on the database's side it would land in the foundation
        # stack and point back at this stack's group (a cross-stack cycle).
        ec2.CfnSecurityGroupIngress(
            self,
            "DatabaseIngress",
            group_id=database.connections.security_groups[0].security_group_id,
            source_security_group_id=self.service.connections.security_groups[0].security_group_id,
            ip_protocol="tcp",
            from_port=MLFLOW_DB_PORT,
            to_port=MLFLOW_DB_PORT,
            description="MLflow service to its PostgreSQL",
        )
        listener.connections.allow_default_port_to(self.service)
        self.target_group = elbv2.ApplicationTargetGroup(
            self,
            "Targets",
            vpc=cluster.vpc,
            port=MLFLOW_PORT,
            protocol=elbv2.ApplicationProtocol.HTTP,
            target_type=elbv2.TargetType.IP,
            targets=[self.service],
            health_check=elbv2.HealthCheck(path=MLFLOW_HEALTH_PATH, healthy_http_codes="200"),
            deregistration_delay=Duration.seconds(30),
        )
        listener.add_target_groups(
            "Mlflow",
            priority=ALB_MLFLOW_RULE_PRIORITY,
            conditions=[elbv2.ListenerCondition.path_patterns([MLFLOW_PREFIX, f"{MLFLOW_PREFIX}/*"])],
            target_groups=[self.target_group],
        )
        self.execution_role = definition.obtain_execution_role()
        acknowledge(
            self.execution_role,
            "IAM5[Resource::*]",
            "ecr:GetAuthorizationToken has no resource-level permissions; image pulls name the repository.",
        )
