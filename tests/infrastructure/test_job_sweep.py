"""The schedule starting jobs left QUEUED (backtests, data syncs), and the sweeper's least-privilege role."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("aws_cdk", reason="the cdk dependency group is not installed (make cdk-setup)")
from tests.infrastructure.conftest import Synthesized

pytestmark = pytest.mark.slow


def _sweeper_statements(synth: Synthesized) -> list[dict[str, Any]]:
    (policy,) = [
        p
        for p in synth.resources("compute", "AWS::IAM::Policy").values()
        if p["Properties"]["Roles"][0]["Ref"].startswith("JobSweeperRole")
    ]
    statements: list[dict[str, Any]] = policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)


def test_given_compute_when_synthesized_then_the_sweeper_runs_every_five_minutes(dev: Synthesized) -> None:
    # When
    (rule,) = [
        r["Properties"]
        for logical_id, r in dev.resources("compute", "AWS::Events::Rule").items()
        if logical_id.startswith("JobSweep")
    ]

    # Then: on a schedule, to the sweeper's live alias, and only that rule may invoke it
    assert rule["ScheduleExpression"] == "rate(5 minutes)"
    assert rule["State"] == "ENABLED"
    (target,) = rule["Targets"]
    assert target["Arn"]["Ref"].startswith("JobSweeperAlias")
    (permission,) = [
        p["Properties"]
        for p in dev.resources("compute", "AWS::Lambda::Permission").values()
        if p["Properties"]["FunctionName"].get("Ref", "").startswith("JobSweeperAlias")
    ]
    assert permission["Principal"] == "events.amazonaws.com"


def test_given_the_sweeper_role_when_synthesized_then_it_may_query_start_and_fail_jobs_only(
    dev: Synthesized,
) -> None:
    # When
    statements = _sweeper_statements(dev)
    machine_id = next(iter(dev.resources("compute", "AWS::StepFunctions::StateMachine")))

    # Then: no PutItem, DeleteItem or Scan; StartExecution of the backtest machine and RunTask of the
    # sync worker (with the look-ups that make it idempotent), never a stop
    actions = {action for statement in statements for action in _actions(statement)}
    assert actions == {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
        "dynamodb:Query",
        "states:StartExecution",
        "ecs:RunTask",
        "ecs:ListTasks",
        "ecs:DescribeTasks",
        "iam:PassRole",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
    }
    (start,) = [s for s in statements if "states:StartExecution" in _actions(s)]
    assert start["Resource"] == {"Ref": machine_id}
    (run,) = [s for s in statements if "ecs:RunTask" in _actions(s)]
    assert "sync-worker" in str(run["Resource"])
    (query,) = [s for s in statements if "dynamodb:Query" in _actions(s)]
    assert all("/index/" in str(resource) for resource in query["Resource"])


def test_given_the_sweeper_when_synthesized_then_its_environment_names_the_state_machine_and_sync_task(
    dev: Synthesized,
) -> None:
    # When
    (function,) = [
        f["Properties"]
        for f in dev.resources("compute", "AWS::Lambda::Function").values()
        if str(f["Properties"].get("FunctionName", "")).endswith("-job_sweeper")
    ]

    # Then
    assert "TRADAI_BACKTEST_STATE_MACHINE_ARN" in function["Environment"]["Variables"]
    assert "TRADAI_SYNC_TASK_DEFINITION" in function["Environment"]["Variables"]
