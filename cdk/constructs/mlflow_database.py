"""MLflow's PostgreSQL backend store: private, encrypted, its password in Secrets Manager and rotated."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_rds as rds
from constructs import Construct

from cdk.config import EnvironmentConfig
from cdk.constants import (
    MLFLOW_DB_MAX_STORAGE_GB,
    MLFLOW_DB_NAME,
    MLFLOW_DB_PORT,
    MLFLOW_DB_ROTATION,
    MLFLOW_DB_STORAGE_GB,
    MLFLOW_DB_USER,
    resource_name,
)
from cdk.nag import acknowledge


class MlflowDatabase(Construct):
    """A PostgreSQL instance in the private subnets; only security groups given access may connect.

    The MLflow service (a later step of issue 10) gets in with `database.connections.allow_default_port_from`.
    """

    def __init__(
        self, scope: Construct, construct_id: str, *, config: EnvironmentConfig, vpc: ec2.IVpc,
        subnets: ec2.SubnetSelection,
    ) -> None:  # fmt: skip
        super().__init__(scope, construct_id)
        retained = config.removal == RemovalPolicy.RETAIN
        self.instance = rds.DatabaseInstance(
            self,
            "Instance",
            engine=rds.DatabaseInstanceEngine.postgres(version=rds.PostgresEngineVersion.VER_17_9),
            instance_type=ec2.InstanceType(config.db_instance_type),
            vpc=vpc,
            vpc_subnets=subnets,
            port=MLFLOW_DB_PORT,
            database_name=MLFLOW_DB_NAME,
            credentials=rds.Credentials.from_generated_secret(
                MLFLOW_DB_USER, secret_name=resource_name("mlflow-db", config.name)
            ),
            storage_encrypted=True,
            allocated_storage=MLFLOW_DB_STORAGE_GB,
            max_allocated_storage=MLFLOW_DB_MAX_STORAGE_GB,
            multi_az=config.db_multi_az,
            backup_retention=Duration.days(config.db_backup_days),
            deletion_protection=config.is_production,
            removal_policy=RemovalPolicy.SNAPSHOT
            if config.removal == RemovalPolicy.RETAIN
            else config.removal,
            publicly_accessible=False,
            iam_authentication=True,
            cloudwatch_logs_exports=["postgresql"],
            auto_minor_version_upgrade=True,
        )
        self.instance.add_rotation_single_user(automatically_after=MLFLOW_DB_ROTATION)
        acknowledge(
            self.instance,
            "RDS11",
            "PostgreSQL's default port: the instance is private and its security group admits only MLflow.",
        )
        if not retained:
            acknowledge(
                self.instance,
                "RDS10",
                "Dev's registry database is disposable (`cdk destroy`); staging and prod protect it.",
            )
        if not config.db_multi_az:
            acknowledge(self.instance, "RDS3", "Single-AZ outside prod to save cost; prod runs Multi-AZ.")
