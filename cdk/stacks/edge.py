"""tradai-edge-{env}: HTTP API, WebSocket API with its functions and the stream pusher, alarms, dashboard."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from aws_cdk import Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk.aws_apigatewayv2_integrations import HttpAlbIntegration
from constructs import Construct

from cdk.config import EnvironmentConfig
from cdk.constants import MLFLOW_ROUTE, PUBLIC_ROUTES, ROUTE_THROTTLES
from cdk.constructs.function import build_functions
from cdk.constructs.http_api import HttpApi
from cdk.constructs.lambda_layer import SharedLayer
from cdk.constructs.monitoring import Monitoring
from cdk.constructs.websocket_api import WebSocketApi, connect_stream
from cdk.function_table import FUNCTIONS, route_keys
from cdk.outputs import add_outputs
from cdk.stacks.compute import ComputeStack, deployed_functions
from cdk.stacks.foundation import FoundationStack
from cdk.stacks.persistent import PersistentStack


class EdgeStack(Stack):
    """Routes of `function_table.FUNCTIONS` to their functions (JWT on all but the health check),
    `/mlflow` through a VPC link to the ALB, the WebSocket API, alarms to SNS.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        persistent: PersistentStack,
        foundation: FoundationStack,
        compute: ComputeStack,
        layer_dir: Path,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        users = persistent.users
        self.websocket = WebSocketApi(self, "WebSocket", config=config)
        # Its own layer version of the same asset: a cross-stack reference to compute's would pin
        # the export and block every layer update.
        layer = SharedLayer(self, "Layer", layer_dir=layer_dir).layer
        websocket_functions = build_functions(
            self,
            names=deployed_functions(websocket=True),
            config=config,
            layer=layer,
            environment=compute.function_environment
            | {
                "TRADAI_WEBSOCKET_URL": self.websocket.url,
                "TRADAI_WEBSOCKET_MANAGEMENT_URL": self.websocket.management_url,
            },
            grants=dataclasses.replace(
                compute.grants,
                instances=None,
                mlflow=None,
                websocket_connections_arn=self.websocket.connections_arn,
            ),
        )
        self.websocket.add_routes(
            authorizer=websocket_functions["ws_authorizer"].alias,
            connect=websocket_functions["ws_connect"].alias,
            disconnect=websocket_functions["ws_disconnect"].alias,
        )
        connect_stream(
            websocket_functions["stream_pusher"].alias,
            table=persistent.jobs.table,
            dead_letter_queue=foundation.stream_dlq.queue,
        )

        self.http = HttpApi(self, "Http", config=config, issuer=users.issuer, audiences=users.client_ids)
        functions = compute.functions | websocket_functions
        for name, function in functions.items():
            for route in FUNCTIONS[name].routes:
                for key in route_keys(route):
                    self.http.add_route(
                        key,
                        self.http.lambda_integration(function.alias),
                        public=key in PUBLIC_ROUTES,
                        throttle=ROUTE_THROTTLES.get(key),
                    )
        network = foundation.network
        vpc_link = apigwv2.VpcLink(
            self,
            "VpcLink",
            vpc=network.vpc,
            subnets=network.private_subnet_selection,
            security_groups=[compute.load_balancer.vpc_link_security_group],
        )
        self.http.add_route(
            MLFLOW_ROUTE, HttpAlbIntegration("Mlflow", compute.load_balancer.listener, vpc_link=vpc_link)
        )

        Monitoring(
            self,
            "Monitoring",
            config=config,
            topic=foundation.alarms.topic,
            api=self.http.api,
            functions={name: fn.function for name, fn in functions.items()},
            dead_letter_queues={
                "stream": foundation.stream_dlq.queue,
                **(
                    {"executionEvents": compute.execution_events.dead_letter_queue}
                    if compute.execution_events
                    else {}
                ),
            },
            state_machines={"backtests": compute.state_machine} if compute.state_machine else {},
        )
        add_outputs(
            self,
            {
                "api_gateway_endpoint": self.http.url,
                "api_gateway_id": self.http.api.api_id,
                "websocket_endpoint": self.websocket.url,
                **(
                    {
                        "api_custom_domain": self.http.domain.name,
                        "api_custom_domain_target": self.http.domain.regional_domain_name,
                    }
                    if self.http.domain
                    else {}
                ),
                "websocket_api_id": self.websocket.api.api_id,
                **{
                    f"{name}_function_name": fn.function.function_name
                    for name, fn in websocket_functions.items()
                },
            },
        )
