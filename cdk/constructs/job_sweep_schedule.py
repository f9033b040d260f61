"""The EventBridge schedule of `functions/job_sweeper`: backtests and data syncs left QUEUED get started.

The backtests function stores a job, then starts its execution (the data function: a sync's ECS
task); if it dies in between and no `Idempotency-Key` replay comes, the job would stay QUEUED
forever. Every `JOB_SWEEP_INTERVAL` the sweeper starts the jobs QUEUED past their threshold
(execution name = job id; a sync's task is found by its `startedBy`; so a started one is not
started twice). A failed run is not retried: the next tick is the retry, and Lambda errors
are alarmed by the edge stack's monitoring.
"""

from __future__ import annotations

from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from cdk.constants import JOB_SWEEP_INTERVAL


class JobSweepSchedule(Construct):
    """A rate schedule on the default bus -> the sweeper's alias."""

    def __init__(self, scope: Construct, construct_id: str, *, handler: lambda_.IFunction) -> None:
        super().__init__(scope, construct_id)
        self.rule = events.Rule(
            self,
            "Rule",
            description="Start backtests and data syncs left QUEUED by a submitter that died",
            schedule=events.Schedule.rate(JOB_SWEEP_INTERVAL),
            targets=[targets.LambdaFunction(handler, retry_attempts=0)],
        )
