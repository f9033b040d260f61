"""CloudWatch alarms and a dashboard for the API, the functions and the dead-letter queue."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from cdk.config import EnvironmentConfig
from cdk.constants import (
    ALARM_PERIOD,
    API_5XX_THRESHOLD,
    DASHBOARD_WIDGET_WIDTH,
    DLQ_DEPTH_THRESHOLD,
    FUNCTION_ERROR_THRESHOLD,
    FUNCTION_THROTTLE_THRESHOLD,
    STATE_MACHINE_FAILURE_THRESHOLD,
    resource_name,
)


class Monitoring(Construct):
    """Alarms (API 5xx, function errors and throttles, DLQ depth, state machine executions failed or
    timed out) to the alarm topic, and a dashboard.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        topic: sns.ITopic,
        api: apigwv2.HttpApi,
        functions: Mapping[str, lambda_.IFunction],
        dead_letter_queues: Mapping[str, sqs.IQueue],
        state_machines: Mapping[str, sfn.IStateMachine],
    ) -> None:
        super().__init__(scope, construct_id)
        self._action = actions.SnsAction(topic)
        self._environment = config.name
        api_errors = api.metric_server_error(period=ALARM_PERIOD)
        self._alarm("Api5xx", api_errors, API_5XX_THRESHOLD, "HTTP API answered 5xx")
        for name, function in functions.items():
            errors = function.metric_errors(period=ALARM_PERIOD)
            self._alarm(f"{name.title()}Errors", errors, FUNCTION_ERROR_THRESHOLD, f"Lambda {name} raised")
            throttles = function.metric_throttles(period=ALARM_PERIOD)
            self._alarm(
                f"{name.title()}Throttles",
                throttles,
                FUNCTION_THROTTLE_THRESHOLD,
                f"Lambda {name} was throttled",
            )
        for name, queue in dead_letter_queues.items():
            depth = queue.metric_approximate_number_of_messages_visible(period=ALARM_PERIOD)
            self._alarm(
                f"{name.title()}DlqDepth", depth, DLQ_DEPTH_THRESHOLD, f"Messages waiting in the {name} DLQ"
            )
        for name, machine in state_machines.items():
            for metric, what in (
                (machine.metric_failed(period=ALARM_PERIOD), "failed"),
                (machine.metric_timed_out(period=ALARM_PERIOD), "timed out"),
            ):
                self._alarm(
                    f"{name.title()}{what.title().replace(' ', '')}",
                    metric,
                    STATE_MACHINE_FAILURE_THRESHOLD,
                    f"State machine {name}: an execution {what}",
                )

        dashboard = cloudwatch.Dashboard(
            self, "Dashboard", dashboard_name=resource_name("overview", config.name)
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="HTTP API",
                left=[
                    api.metric_count(period=ALARM_PERIOD),
                    api.metric_client_error(period=ALARM_PERIOD),
                    api_errors,
                ],
                right=[api.metric_latency(period=ALARM_PERIOD)],
                width=DASHBOARD_WIDGET_WIDTH,
            ),
            cloudwatch.GraphWidget(
                title="Lambda errors and throttles",
                left=[function.metric_errors(period=ALARM_PERIOD) for function in functions.values()],
                right=[function.metric_throttles(period=ALARM_PERIOD) for function in functions.values()],
                width=DASHBOARD_WIDGET_WIDTH,
            ),
        )

    def _alarm(self, construct_id: str, metric: cloudwatch.IMetric, threshold: int, description: str) -> None:
        alarm = cloudwatch.Alarm(
            self,
            construct_id,
            alarm_description=f"{description} ({self._environment})",
            metric=metric,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(self._action)
