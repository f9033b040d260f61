"""B2 and B3: the instance routes answered 503 because the API's role lacked ECS permissions.

B2: `GET /api/v1/strategies/{id}/instances` (and stop, logs, pause, resume): no `ecs:ListTasks` /
`ecs:DescribeTasks`. B3: `POST /api/v1/strategies/{id}/run`: no `ecs:RunTask` / `iam:PassRole`.
Here the function serving those routes holds each action, bound to the cluster and the instance
family, and nothing else in the app may touch ECS tasks. RunTask itself is exercised on moto in
tests/integration/test_instance_handlers.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

pytest.importorskip("aws_cdk", reason="the cdk dependency group is not installed (make cdk-setup)")
from aws_cdk import App, Stack, assertions
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_logs as logs
from cdk.permissions import InstanceTasks, strategy_instance_tasks

from tests.cdk_synth import Synthesized

pytestmark = pytest.mark.slow

INSTANCES_ROLE = "InstancesRole"
"""Logical id prefix of the role of the `instances` function (cdk/function_table.py)."""


def _actions(statement: dict[str, Any]) -> list[str]:
    return [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]


def _deployed_actions(dev: Synthesized, role_prefix: str) -> set[str]:
    return {
        action
        for stack in dev.templates
        for policy in dev.resources(stack, "AWS::IAM::Policy").values()
        if policy["Properties"]["Roles"][0]["Ref"].startswith(role_prefix)
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        for action in _actions(statement)
    }


def _probe_policy() -> list[dict[str, Any]]:
    """The instance statements granted to a role in a small stack of their own, to read their scope."""
    stack = Stack(App(), "Probe")
    vpc = ec2.Vpc(stack, "Vpc", max_azs=1, nat_gateways=0)
    cluster = ecs.Cluster(stack, "Cluster", vpc=vpc, cluster_name="tradai-test-cluster")
    definition = ecs.FargateTaskDefinition(stack, "Instance", family="tradai-test-strategy-instance")
    definition.add_container("worker", image=ecs.ContainerImage.from_registry("worker"))
    log_group = logs.LogGroup(stack, "InstanceLogs")
    role = definition.task_role
    tasks = InstanceTasks(cluster=cluster, task_definition=definition, log_group=log_group)
    for statement in strategy_instance_tasks(tasks):
        role.add_to_principal_policy(statement)
    template = assertions.Template.from_stack(stack)
    policies = template.find_resources("AWS::IAM::Policy").values()
    (policy,) = [p for p in policies if "InstanceTaskRole" in p["Properties"]["Roles"][0]["Ref"]]
    statements: list[dict[str, Any]] = policy["Properties"]["PolicyDocument"]["Statement"]
    return statements


def test_b2_given_the_deployed_app_when_instances_function_role_read_then_it_may_list_and_describe_tasks(
    dev: Synthesized,
) -> None:
    # When
    actions = _deployed_actions(dev, INSTANCES_ROLE)

    # Then: B2's 503 was these two missing from the role serving the instance list
    assert {"ecs:ListTasks", "ecs:DescribeTasks"} <= actions


def test_b3_given_the_deployed_app_when_instances_function_role_read_then_it_may_run_tasks_and_pass_roles(
    dev: Synthesized,
) -> None:
    # When
    actions = _deployed_actions(dev, INSTANCES_ROLE)

    # Then: B3's 503 was RunTask (and the PassRole it needs) missing from the role serving `run`
    assert {"ecs:RunTask", "ecs:StopTask", "iam:PassRole"} <= actions


def test_b2_b3_given_instance_access_when_granted_then_list_describe_run_stop_pass_role_all_there() -> None:
    # When
    actions = {action for statement in _probe_policy() for action in _actions(statement)}

    # Then: B2 was ListTasks/DescribeTasks missing, B3 RunTask missing; the logs route reads logs
    assert actions == {
        "ecs:RunTask",
        "ecs:StopTask",
        "ecs:DescribeTasks",
        "ecs:ListTasks",
        "iam:PassRole",
        "logs:GetLogEvents",
    }


def test_b2_b3_given_instance_access_when_granted_then_ecs_actions_bound_to_cluster_and_family() -> None:
    # When
    statements = _probe_policy()

    # Then: every ECS action carries the cluster condition and names no `*` resource outright
    for statement in statements:
        actions = _actions(statement)
        rendered = json.dumps(statement["Resource"])
        assert rendered != '"*"'
        if actions == ["logs:GetLogEvents"]:
            assert statement["Resource"]["Fn::GetAtt"][0].startswith("InstanceLogs")
            continue
        if actions == ["iam:PassRole"]:
            assert statement["Condition"] == {
                "StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}
            }
            assert len(statement["Resource"]) == 2
            continue
        cluster_arn = statement["Condition"]["ArnEquals"]["ecs:cluster"]
        assert cluster_arn["Fn::GetAtt"][0].startswith("Cluster")
        assert cluster_arn["Fn::GetAtt"][1] == "Arn"
        if "ecs:RunTask" in actions:
            assert "task-definition/tradai-test-strategy-instance:*" in rendered
        else:
            assert (
                ':task/", {"Ref": "Cluster' in rendered
                or ':container-instance/", {"Ref": "Cluster' in rendered
            )
