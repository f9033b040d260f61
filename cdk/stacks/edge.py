"""tradai-edge-{env}: the HTTP API in front of the functions, alarms and dashboard (WebSocket, WAF later)."""

from __future__ import annotations

from typing import Any

from aws_cdk import Stack
from constructs import Construct

from cdk.config import EnvironmentConfig
from cdk.constants import ROUTES
from cdk.constructs.http_api import HttpApi
from cdk.constructs.monitoring import Monitoring
from cdk.outputs import add_outputs
from cdk.stacks.compute import ComputeStack
from cdk.stacks.foundation import FoundationStack
from cdk.stacks.persistent import PersistentStack


class EdgeStack(Stack):
    """Routes of seed 001 to their functions, JWT-protected except the health check; alarms to SNS."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        persistent: PersistentStack,
        foundation: FoundationStack,
        compute: ComputeStack,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        users = persistent.users
        self.http = HttpApi(self, "Http", config=config, issuer=users.issuer, audiences=users.client_ids)
        for route in ROUTES:
            self.http.add_route(
                method=route.method,
                path=route.path,
                handler=compute.functions[route.function].alias,
                public=route.public,
                throttle=route.throttle,
            )
        Monitoring(
            self,
            "Monitoring",
            config=config,
            topic=foundation.alarms.topic,
            api=self.http.api,
            functions={name: fn.function for name, fn in compute.functions.items()},
            dead_letter_queues={"stream": foundation.stream_dlq.queue},
        )
        add_outputs(
            self,
            {
                "api_gateway_endpoint": self.http.url,
                "api_gateway_id": self.http.api.api_id,
            },
        )
