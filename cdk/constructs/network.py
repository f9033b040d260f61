"""The VPC: two AZs, public and private subnets, NAT per environment, S3/DynamoDB gateway endpoints."""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from constructs import Construct

from cdk.config import EnvironmentConfig
from cdk.constants import SUBNET_CIDR_MASK, VPC_CIDR, resource_name


class Network(Construct):
    """The network the ECS tasks, MLflow's database and the ALB live in; flow logs on."""

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig) -> None:
        super().__init__(scope, construct_id)
        private_type = (
            ec2.SubnetType.PRIVATE_WITH_EGRESS if config.nat_gateways else ec2.SubnetType.PRIVATE_ISOLATED
        )
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            vpc_name=resource_name("vpc", config.name),
            ip_addresses=ec2.IpAddresses.cidr(VPC_CIDR),
            availability_zones=list(config.availability_zones),
            nat_gateways=config.nat_gateways,
            subnet_configuration=[
                ec2.SubnetConfiguration(
                    name="public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=SUBNET_CIDR_MASK
                ),
                ec2.SubnetConfiguration(name="private", subnet_type=private_type, cidr_mask=SUBNET_CIDR_MASK),
            ],
            restrict_default_security_group=False,
            gateway_endpoints={
                "S3": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.S3),
                "DynamoDb": ec2.GatewayVpcEndpointOptions(service=ec2.GatewayVpcEndpointAwsService.DYNAMODB),
            },
        )
        flow_logs = logs.LogGroup(
            self, "FlowLogs", retention=config.log_retention, removal_policy=config.removal
        )
        self.vpc.add_flow_log("FlowLog", destination=ec2.FlowLogDestination.to_cloud_watch_logs(flow_logs))
        self.private_subnet_selection = ec2.SubnetSelection(subnet_type=private_type)
        self.private_subnets = self.vpc.select_subnets(subnet_type=private_type).subnets
