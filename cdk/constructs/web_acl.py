"""AWS WAF on the ALB: AWS managed rule sets and a per-address rate rule.

WAF cannot be attached to an API Gateway HTTP API (v2): it protects REST APIs, ALBs, CloudFront and
a few others. The HTTP API is guarded by its stage and route throttling and the Cognito JWT
authorizer; WAF sits on the ALB behind it (docs/deploy.md, "Security").
"""

from __future__ import annotations

from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from cdk.config import EnvironmentConfig
from cdk.constants import WAF_RATE_LIMIT, resource_name

MANAGED_RULE_GROUPS = (
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesAmazonIpReputationList",
)


class LoadBalancerFirewall(Construct):
    """A regional web ACL (managed rule groups, then a rate rule) associated with `load_balancer`."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        load_balancer: elbv2.IApplicationLoadBalancer,
    ) -> None:
        super().__init__(scope, construct_id)
        name = resource_name("alb-acl", config.name)
        rules = [
            wafv2.CfnWebACL.RuleProperty(
                name=group,
                priority=priority,
                statement=wafv2.CfnWebACL.StatementProperty(
                    managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                        vendor_name="AWS", name=group
                    )
                ),
                override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
                visibility_config=_visibility(group),
            )
            for priority, group in enumerate(MANAGED_RULE_GROUPS)
        ]
        rules.append(
            wafv2.CfnWebACL.RuleProperty(
                name="RateLimit",
                priority=len(MANAGED_RULE_GROUPS),
                statement=wafv2.CfnWebACL.StatementProperty(
                    # Behind the VPC link every request comes from API Gateway's addresses: count
                    # the client's address API Gateway forwards, never throttle API Gateway itself.
                    rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                        limit=WAF_RATE_LIMIT,
                        aggregate_key_type="FORWARDED_IP",
                        forwarded_ip_config=wafv2.CfnWebACL.ForwardedIPConfigurationProperty(
                            header_name="X-Forwarded-For", fallback_behavior="NO_MATCH"
                        ),
                    )
                ),
                action=wafv2.CfnWebACL.RuleActionProperty(block={}),
                visibility_config=_visibility("RateLimit"),
            )
        )
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            name=name,
            scope="REGIONAL",
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            visibility_config=_visibility(name),
            rules=rules,
        )
        wafv2.CfnWebACLAssociation(
            self,
            "Association",
            resource_arn=load_balancer.load_balancer_arn,
            web_acl_arn=self.web_acl.attr_arn,
        )


def _visibility(metric: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True, metric_name=metric.replace("-", ""), sampled_requests_enabled=True
    )
