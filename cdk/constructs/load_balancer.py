"""The internal ALB in front of MLflow, reached only through the HTTP API's VPC link, WAF attached."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_s3 as s3
from constructs import Construct

from cdk.config import EnvironmentConfig
from cdk.constants import ALB_IDLE_TIMEOUT, ALB_PORT, resource_name
from cdk.constructs.web_acl import LoadBalancerFirewall
from cdk.nag import acknowledge


class InternalLoadBalancer(Construct):
    """A private ALB: its group admits only the VPC link's group, on the one HTTP listener.

    `vpc_link_security_group` is created here (not with the VPC link in the edge stack) so the ALB's
    ingress rule needs no reference back from compute to edge: no cross-stack cycle. TLS ends at
    API Gateway; the hop from the VPC link to the ALB stays inside the VPC.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        vpc: ec2.IVpc,
        subnets: ec2.SubnetSelection,
    ) -> None:
        super().__init__(scope, construct_id)
        self.vpc_link_security_group = ec2.SecurityGroup(
            self,
            "VpcLinkSecurityGroup",
            vpc=vpc,
            description="HTTP API VPC link to the internal ALB listener",
            allow_all_outbound=False,
        )
        security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description="Internal ALB - only the HTTP API VPC link may connect",
            allow_all_outbound=False,
        )
        security_group.add_ingress_rule(
            self.vpc_link_security_group, ec2.Port.tcp(ALB_PORT), "HTTP API VPC link"
        )
        self.vpc_link_security_group.add_egress_rule(
            security_group, ec2.Port.tcp(ALB_PORT), "To the internal ALB"
        )
        self.alb = elbv2.ApplicationLoadBalancer(
            self,
            "Alb",
            load_balancer_name=resource_name("alb", config.name),
            vpc=vpc,
            vpc_subnets=subnets,
            internet_facing=False,
            security_group=security_group,
            idle_timeout=ALB_IDLE_TIMEOUT,
            drop_invalid_header_fields=True,
            deletion_protection=config.is_production,
        )
        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(config.log_retention_days))],
            removal_policy=config.removal,
            auto_delete_objects=False,
        )
        acknowledge(
            self.access_logs,
            "S1",
            "This bucket only receives the ALB's own access logs; logging access to it would log the logger.",
        )
        self.alb.log_access_logs(self.access_logs)
        # Anything not matched by a rule (only /mlflow is routed today) is a plain 404.
        self.listener = self.alb.add_listener(
            "Http",
            port=ALB_PORT,
            protocol=elbv2.ApplicationProtocol.HTTP,
            open=False,
            default_action=elbv2.ListenerAction.fixed_response(
                404, content_type="application/json", message_body='{"detail":"Not Found","code":"NOT_FOUND"}'
            ),
        )
        self.firewall = LoadBalancerFirewall(self, "Firewall", config=config, load_balancer=self.alb)
