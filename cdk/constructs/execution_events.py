"""The EventBridge rule settling a backtest job whose execution ended outside its definition's Catch.

An execution that times out as a whole, is stopped from the console, or whose `MarkFailed` state
itself failed never runs `MarkFailed`; its job would stay RUNNING. Step Functions emits "Step
Functions Execution Status Change" to the default bus for every standard workflow; this rule sends
the FAILED, TIMED_OUT and ABORTED ones of the backtest state machine to `functions/execution_status`,
which makes the job's conditional terminal transition. EventBridge retries a failed delivery, then
keeps the event in a dead-letter queue (alarmed by the edge stack's monitoring).
"""

from __future__ import annotations

from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from cdk.config import EnvironmentConfig
from cdk.constants import EXECUTION_EVENT_MAX_AGE, EXECUTION_EVENT_RETRY_ATTEMPTS
from cdk.constructs.dead_letter_queue import DeadLetterQueue

ENDED_OUTSIDE_CATCH = ("FAILED", "TIMED_OUT", "ABORTED")
"""Execution statuses whose job may still be QUEUED or RUNNING (SUCCEEDED ones ended it themselves)."""


class ExecutionEndedRule(Construct):
    """Rule on the default bus -> the handler's alias, with retries and a DLQ."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: EnvironmentConfig,
        state_machine: sfn.IStateMachine,
        handler: lambda_.IFunction,
    ) -> None:
        super().__init__(scope, construct_id)
        self.dead_letter_queue = DeadLetterQueue(self, "Dlq", config=config, name="execution-events").queue
        self.rule = events.Rule(
            self,
            "Rule",
            description="Backtest executions that failed, timed out or were aborted -> settle their job",
            event_pattern=events.EventPattern(
                source=["aws.states"],
                detail_type=["Step Functions Execution Status Change"],
                detail={
                    "stateMachineArn": [state_machine.state_machine_arn],
                    "status": list(ENDED_OUTSIDE_CATCH),
                },
            ),
            targets=[
                targets.LambdaFunction(
                    handler,
                    dead_letter_queue=self.dead_letter_queue,
                    retry_attempts=EXECUTION_EVENT_RETRY_ATTEMPTS,
                    max_event_age=EXECUTION_EVENT_MAX_AGE,
                )
            ],
        )
