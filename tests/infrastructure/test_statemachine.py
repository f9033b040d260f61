"""The backtest state machine: the ASL file as written, its substitutions, logging, tracing, its role."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

pytest.importorskip("aws_cdk", reason="the cdk dependency group is not installed (make cdk-setup)")
from cdk.constructs.backtest_state_machine import DEFINITION_FILE

from tests.infrastructure.conftest import Synthesized

pytestmark = pytest.mark.slow

README = DEFINITION_FILE.parent / "README.md"


def _state_machine(synth: Synthesized) -> dict[str, Any]:
    (machine,) = synth.resources("compute", "AWS::StepFunctions::StateMachine").values()
    properties: dict[str, Any] = machine["Properties"]
    return properties


def _statements(synth: Synthesized, role_prefix: str) -> list[dict[str, Any]]:
    return [
        statement
        for policy in synth.resources("compute", "AWS::IAM::Policy").values()
        if policy["Properties"]["Roles"][0]["Ref"].startswith(role_prefix)
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return [action] if isinstance(action, str) else list(action)


def test_given_asl_file_when_synthesized_then_the_definition_is_the_file_with_every_key_substituted(
    dev: Synthesized,
) -> None:
    # Given
    text = DEFINITION_FILE.read_text()
    placeholders = set(re.findall(r"\$\{(\w+)\}", text))
    documented = set(re.findall(r"^\| `\$\{(\w+)\}` \|", README.read_text(), flags=re.MULTILINE))

    # When
    machine = _state_machine(dev)

    # Then: the file itself (not a copy drifting from it), every key given, none invented
    assert json.loads(machine["DefinitionString"]) == json.loads(text)
    assert set(machine["DefinitionSubstitutions"]) == placeholders == documented
    assert machine["StateMachineType"] == "STANDARD"


def test_given_state_machine_when_synthesized_then_it_logs_every_event_and_traces(dev: Synthesized) -> None:
    # When
    machine = _state_machine(dev)

    # Then
    assert machine["LoggingConfiguration"]["Level"] == "ALL"
    assert machine["LoggingConfiguration"]["IncludeExecutionData"] is True
    assert machine["TracingConfiguration"] == {"Enabled": True}


def test_given_state_machine_role_when_synthesized_then_it_holds_exactly_what_its_states_call(
    dev: Synthesized,
) -> None:
    # When
    statements = _statements(dev, "BacktestStateMachineRole")
    by_action = {action: s for s in statements for action in _actions(s)}

    # Then: its tasks, plus log delivery and X-Ray for logging and tracing
    assert set(by_action) == {
        "dynamodb:UpdateItem",
        "lambda:InvokeFunction",
        "ecs:RunTask",
        "ecs:StopTask",
        "ecs:DescribeTasks",
        "iam:PassRole",
        "events:PutTargets",
        "events:PutRule",
        "events:DescribeRule",
        *{a for a in by_action if a.startswith(("logs:", "xray:"))},
    }
    invoked = json.dumps(by_action["lambda:InvokeFunction"]["Resource"])
    assert "BacktestPlanAlias" in invoked
    assert "BacktestAggregateAlias" in invoked
    assert "task-definition/tradai-dev-backtest-worker:*" in json.dumps(by_action["ecs:RunTask"]["Resource"])
    assert "TasksCluster" in json.dumps(by_action["ecs:RunTask"]["Condition"])
    assert "TasksCluster" in json.dumps(by_action["ecs:StopTask"]["Condition"])
    passed = json.dumps(by_action["iam:PassRole"]["Resource"])
    assert "BacktestTask" in passed
    assert "InstanceTask" not in passed
    assert by_action["events:PutRule"]["Resource"]["Fn::Join"][1][-1].endswith(
        ":rule/StepFunctionsGetEventsForECSTaskRule"
    )
    assert by_action["dynamodb:UpdateItem"]["Resource"] != "*"


def test_given_backtests_function_when_synthesized_then_it_starts_this_machine_and_stops_only_its_runs(
    dev: Synthesized,
) -> None:
    # When
    by_action = {a: s for s in _statements(dev, "BacktestsRole") for a in _actions(s)}
    (function,) = [
        f["Properties"]
        for f in dev.resources("compute", "AWS::Lambda::Function").values()
        if f["Properties"]["FunctionName"] == "tradai-dev-backtests"
    ]

    # Then
    assert by_action["states:StartExecution"]["Resource"]["Ref"].startswith("BacktestStateMachine")
    stop = json.dumps(by_action["states:StopExecution"]["Resource"])
    assert ":execution:" in stop
    assert "BacktestStateMachine" in stop
    variable = function["Environment"]["Variables"]["TRADAI_BACKTEST_STATE_MACHINE_ARN"]
    assert variable["Ref"].startswith("BacktestStateMachine")
