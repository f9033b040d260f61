"""The HTTP API: Cognito JWT authorizer by default, a public health route, throttling, CORS, access logs."""

from __future__ import annotations

import json

from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk.aws_apigatewayv2_authorizers import HttpJwtAuthorizer
from aws_cdk.aws_apigatewayv2_integrations import HttpLambdaIntegration
from constructs import Construct

from cdk.config import EnvironmentConfig
from cdk.constants import (
    CORS_ALLOW_HEADERS,
    CORS_ALLOW_METHODS,
    CORS_MAX_AGE,
    THROTTLE_BURST_LIMIT,
    THROTTLE_RATE_LIMIT,
    resource_name,
)
from cdk.nag import acknowledge

_ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "requestTime": "$context.requestTime",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "protocol": "$context.protocol",
    "responseLength": "$context.responseLength",
    "integrationError": "$context.integrationErrorMessage",
    "authorizerError": "$context.authorizer.error",
}


class HttpApi(Construct):
    """API Gateway HTTP API in front of the route-group Lambdas (seed 001's route table).

    Every route requires a Cognito JWT (issuer: the user pool; audience: the SPA and M2M clients)
    unless added with `public=True`. The `$default` stage throttles at the default rate; a route may
    carry a stricter limit of its own.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        issuer: str,
        audiences: list[str],
    ) -> None:
        super().__init__(scope, construct_id)
        self.api = apigwv2.HttpApi(
            self,
            "Api",
            api_name=resource_name("http", config.name),
            default_authorizer=HttpJwtAuthorizer("Cognito", issuer, jwt_audience=audiences),
            cors_preflight=apigwv2.CorsPreflightOptions(
                allow_origins=list(config.cors_origins),
                allow_methods=[apigwv2.CorsHttpMethod(method) for method in CORS_ALLOW_METHODS],
                allow_headers=list(CORS_ALLOW_HEADERS),
                max_age=CORS_MAX_AGE,
            ),
            create_default_stage=False,
        )
        self.stage = apigwv2.HttpStage(
            self,
            "DefaultStage",
            http_api=self.api,
            stage_name="$default",
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(
                rate_limit=THROTTLE_RATE_LIMIT, burst_limit=THROTTLE_BURST_LIMIT
            ),
        )
        access_logs = logs.LogGroup(
            self, "AccessLogs", retention=config.log_retention, removal_policy=config.removal
        )
        self._cfn_stage: apigwv2.CfnStage = self.stage.node.default_child  # type: ignore[assignment]
        self._cfn_stage.access_log_settings = apigwv2.CfnStage.AccessLogSettingsProperty(
            destination_arn=access_logs.log_group_arn, format=json.dumps(_ACCESS_LOG_FORMAT)
        )
        self.domain: apigwv2.DomainName | None = None
        if config.custom_domain and config.custom_domain_certificate_arn:
            self.domain = apigwv2.DomainName(
                self,
                "Domain",
                domain_name=config.custom_domain,
                certificate=acm.Certificate.from_certificate_arn(
                    self, "Certificate", config.custom_domain_certificate_arn
                ),
                security_policy=apigwv2.SecurityPolicy.TLS_1_2,
            )
            apigwv2.ApiMapping(self, "Mapping", api=self.api, domain_name=self.domain, stage=self.stage)
        self._integrations: dict[str, HttpLambdaIntegration] = {}
        self._route_settings: dict[str, dict[str, int]] = {}

    @property
    def url(self) -> str:
        """The invoke URL of the `$default` stage."""
        return self.api.api_endpoint

    def add_route(
        self,
        route_key: str,
        integration: apigwv2.HttpRouteIntegration,
        *,
        public: bool = False,
        throttle: tuple[int, int] | None = None,
    ) -> None:
        """Route `route_key` (`"GET /api/v1/health"`, `"ANY /api/v1/data/{proxy+}"`) to `integration`.

        Args:
            route_key: The method (or ANY) and path.
            integration: Where it goes: `lambda_integration(...)` or an ALB through the VPC link.
            public: Serve without the JWT authorizer (only the health check is public).
            throttle: `(rate, burst)` for this route instead of the stage default.
        """
        method, path = route_key.split(" ", 1)
        routes = self.api.add_routes(
            path=path,
            methods=[apigwv2.HttpMethod(method)],
            integration=integration,
            authorizer=apigwv2.HttpNoneAuthorizer() if public else None,
        )
        if public:
            for route in routes:
                acknowledge(route, "APIG4", "The health check is public by design (seed 001: no auth on it).")
        if throttle is not None:
            rate, burst = throttle
            self._route_settings[route_key] = {"ThrottlingRateLimit": rate, "ThrottlingBurstLimit": burst}
            self._cfn_stage.add_property_override("RouteSettings", self._route_settings)
            for route in routes:
                self._cfn_stage.node.add_dependency(route)

    def lambda_integration(self, handler: lambda_.IFunction) -> HttpLambdaIntegration:
        """The one integration of `handler`, shared by all its routes."""
        return self._integration(handler)

    def _integration(self, handler: lambda_.IFunction) -> HttpLambdaIntegration:
        key = handler.node.path
        if key not in self._integrations:
            # Named after the function's construct (e.g. `Health`), so ids stay stable as routes grow.
            self._integrations[key] = HttpLambdaIntegration(
                f"{handler.node.scope.node.id}Integration",
                handler,
                payload_format_version=apigwv2.PayloadFormatVersion.VERSION_2_0,
            )
        return self._integrations[key]
