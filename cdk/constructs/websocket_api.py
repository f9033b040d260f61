"""The WebSocket API of job progress: `$connect` behind the ticket authorizer, `$disconnect`, access logs.

Lives in the edge stack with the functions that need its URLs (ticket, connect, pusher), so nothing
in compute refers back to edge: no cross-stack cycle.
"""

from __future__ import annotations

import json

from aws_cdk import Stack
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_logs as logs
from aws_cdk import aws_sqs as sqs
from aws_cdk.aws_apigatewayv2_authorizers import WebSocketLambdaAuthorizer
from aws_cdk.aws_apigatewayv2_integrations import WebSocketLambdaIntegration
from constructs import Construct

from cdk.config import EnvironmentConfig
from cdk.constants import (
    STREAM_BATCH_SIZE,
    STREAM_MAX_BATCHING_WINDOW,
    STREAM_MAX_RECORD_AGE,
    STREAM_RETRY_ATTEMPTS,
    THROTTLE_BURST_LIMIT,
    THROTTLE_RATE_LIMIT,
    WEBSOCKET_STAGE,
    WEBSOCKET_TICKET_QUERY,
    resource_name,
)
from cdk.nag import acknowledge
from tradai.table_design import CONNECTION_PREFIX, JOB_PREFIX, PARTITION_KEY

_ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "ip": "$context.identity.sourceIp",
    "requestTime": "$context.requestTime",
    "routeKey": "$context.routeKey",
    "eventType": "$context.eventType",
    "status": "$context.status",
    "connectionId": "$context.connectionId",
    "integrationError": "$context.integrationErrorMessage",
    "authorizerError": "$context.authorizer.error",
}


class WebSocketApi(Construct):
    """API Gateway WebSocket API and its stage; routes are added once their functions exist."""

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig) -> None:
        super().__init__(scope, construct_id)
        self.api = apigwv2.WebSocketApi(
            self,
            "Api",
            api_name=resource_name("websocket", config.name),
            route_selection_expression="$request.body.action",
        )
        self.stage = apigwv2.WebSocketStage(
            self,
            "Stage",
            web_socket_api=self.api,
            stage_name=WEBSOCKET_STAGE,
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(
                rate_limit=THROTTLE_RATE_LIMIT, burst_limit=THROTTLE_BURST_LIMIT
            ),
        )
        access_logs = logs.LogGroup(
            self, "AccessLogs", retention=config.log_retention, removal_policy=config.removal
        )
        stage: apigwv2.CfnStage = self.stage.node.default_child  # type: ignore[assignment]
        stage.access_log_settings = apigwv2.CfnStage.AccessLogSettingsProperty(
            destination_arn=access_logs.log_group_arn, format=json.dumps(_ACCESS_LOG_FORMAT)
        )

    @property
    def url(self) -> str:
        """`wss://{api}.execute-api.{region}.amazonaws.com/{stage}`: where clients connect."""
        return self.stage.url

    @property
    def management_url(self) -> str:
        """`https://...{stage}`: the `@connections` endpoint the pusher posts to."""
        return self.stage.callback_url

    @property
    def connections_arn(self) -> str:
        """`execute-api:ManageConnections` resource: this API's stage's connections only."""
        return Stack.of(self).format_arn(
            service="execute-api",
            resource=self.api.api_id,
            resource_name=f"{WEBSOCKET_STAGE}/*/@connections/*",
        )

    def add_routes(
        self, *, authorizer: lambda_.IFunction, connect: lambda_.IFunction, disconnect: lambda_.IFunction
    ) -> None:
        """`$connect` behind the ticket authorizer (query string `ticket` and `job_id`), `$disconnect`."""
        self.api.add_route(
            "$connect",
            integration=WebSocketLambdaIntegration("Connect", connect),
            authorizer=WebSocketLambdaAuthorizer(
                "Ticket",
                authorizer,
                identity_source=[f"route.request.querystring.{name}" for name in WEBSOCKET_TICKET_QUERY],
            ),
        )
        disconnect_route = self.api.add_route(
            "$disconnect", integration=WebSocketLambdaIntegration("Disconnect", disconnect)
        )
        acknowledge(
            disconnect_route,
            "APIG4",
            "API Gateway runs WebSocket authorizers on $connect only; $disconnect ends that connection.",
        )


def connect_stream(
    pusher: lambda_.IFunction, *, table: dynamodb.ITable, dead_letter_queue: sqs.IQueue
) -> None:
    """Feed the table's stream to the pusher (job items, new connections); bisect failures, then the DLQ.

    Every change of a job item goes to its watchers; a connection item's creation makes the pusher
    send that watcher its job's current state (`$connect` itself cannot post to the connection).
    A record that still fails after the retries (or grows older than the age limit) goes to the DLQ
    with its batch's position, so one poisoned record never blocks the shard.
    """
    pusher.add_event_source(
        sources.DynamoEventSource(
            table,
            starting_position=lambda_.StartingPosition.LATEST,
            batch_size=STREAM_BATCH_SIZE,
            max_batching_window=STREAM_MAX_BATCHING_WINDOW,
            bisect_batch_on_error=True,
            retry_attempts=STREAM_RETRY_ATTEMPTS,
            max_record_age=STREAM_MAX_RECORD_AGE,
            report_batch_item_failures=True,
            on_failure=sources.SqsDlq(dead_letter_queue),
            filters=[
                lambda_.FilterCriteria.filter({"dynamodb": _partition_starting_with(JOB_PREFIX)}),
                lambda_.FilterCriteria.filter(
                    {
                        "eventName": lambda_.FilterRule.is_equal("INSERT"),
                        "dynamodb": _partition_starting_with(CONNECTION_PREFIX),
                    }
                ),
            ],
        )
    )
    if pusher.role is not None:
        acknowledge(
            pusher.role,
            "IAM5[Resource::*]",
            "dynamodb:ListStreams has no resource-level permissions; reading records names the stream.",
        )


def _partition_starting_with(prefix: str) -> dict[str, object]:
    return {"Keys": {PARTITION_KEY: {"S": lambda_.FilterRule.begins_with(prefix)}}}
