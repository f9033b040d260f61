"""The rule settling jobs whose backtest execution ended outside the definition's Catch, and its function."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("aws_cdk", reason="the cdk dependency group is not installed (make cdk-setup)")
from cdk.constants import EXECUTION_EVENT_RETRY_ATTEMPTS

from tests.infrastructure.conftest import Synthesized

pytestmark = pytest.mark.slow


def _only(resources: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    assert len(resources) == 1, sorted(resources)
    ((logical_id, resource),) = resources.items()
    return logical_id, resource


def _rule(synth: Synthesized) -> dict[str, Any]:
    rules = {
        logical_id: rule
        for logical_id, rule in synth.resources("compute", "AWS::Events::Rule").items()
        if logical_id.startswith("ExecutionEnded")
    }
    _, rule = _only(rules)
    properties: dict[str, Any] = rule["Properties"]
    return properties


def test_given_compute_when_synthesized_then_backtest_executions_ended_outside_catch_reach_the_handler(
    dev: Synthesized,
) -> None:
    # When
    rule = _rule(dev)
    machine_id, _ = _only(dev.resources("compute", "AWS::StepFunctions::StateMachine"))

    # Then: only this state machine's executions, only the endings its Catch may have missed
    pattern = rule["EventPattern"]
    assert pattern["source"] == ["aws.states"]
    assert pattern["detail-type"] == ["Step Functions Execution Status Change"]
    assert sorted(pattern["detail"]["status"]) == ["ABORTED", "FAILED", "TIMED_OUT"]
    assert pattern["detail"]["stateMachineArn"] == [{"Ref": machine_id}]
    assert rule["State"] == "ENABLED"
    # to the handler's live alias, retried, then kept in a dead-letter queue
    (target,) = rule["Targets"]
    assert target["Arn"]["Ref"].startswith("ExecutionStatusAlias")
    assert target["RetryPolicy"]["MaximumRetryAttempts"] == EXECUTION_EVENT_RETRY_ATTEMPTS
    assert target["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0].startswith("ExecutionEndedDlq")


def test_given_the_rule_when_synthesized_then_only_it_may_invoke_the_handler(dev: Synthesized) -> None:
    # When
    permissions = [
        p["Properties"]
        for p in dev.resources("compute", "AWS::Lambda::Permission").values()
        if p["Properties"]["FunctionName"].get("Ref", "").startswith("ExecutionStatusAlias")
    ]

    # Then
    (permission,) = permissions
    assert permission["Principal"] == "events.amazonaws.com"
    assert permission["SourceArn"]["Fn::GetAtt"][0].startswith("ExecutionEndedRule")


def test_given_handler_role_when_synthesized_then_it_may_only_log_read_and_update_job_items(
    dev: Synthesized,
) -> None:
    # When
    (policy,) = [
        p
        for p in dev.resources("compute", "AWS::IAM::Policy").values()
        if p["Properties"]["Roles"][0]["Ref"].startswith("ExecutionStatusRole")
    ]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    actions = {
        a for s in statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }

    # Then: no PutItem (it never creates a job), no delete, no query, no other service
    assert actions == {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "dynamodb:GetItem",
        "dynamodb:UpdateItem",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
    }
    (table_statement,) = [s for s in statements if "dynamodb:UpdateItem" in s["Action"]]
    assert table_statement["Resource"] != "*"


def test_given_edge_monitoring_when_synthesized_then_the_execution_events_dlq_depth_is_alarmed(
    dev: Synthesized,
) -> None:
    alarms = dev.resources("edge", "AWS::CloudWatch::Alarm").values()
    descriptions = [a["Properties"]["AlarmDescription"] for a in alarms]
    assert any("executionEvents DLQ" in d for d in descriptions), descriptions
