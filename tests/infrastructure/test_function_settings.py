"""Each function's environment, read by `tradai.settings.Settings` itself, sets what its code needs in AWS.

A misspelt or missing variable would not fail anywhere: Settings would quietly fall back to its
local default (`tradai-dev` for the table, no state machine, no MLflow). So the synthesized
environments are parsed the way the functions parse them, and every field `cdk.function_settings`
requires for the function's access must come from its environment.
"""

from __future__ import annotations

import ast
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("aws_cdk", reason="the cdk dependency group is not installed (make cdk-setup)")
from cdk.constants import ALB_PORT, INSTANCE_TASK_FAMILY, LAMBDA_VPC_ACTIONS, MLFLOW_PREFIX
from cdk.function_settings import BY_ACCESS, required_settings
from cdk.function_table import FUNCTIONS, Access

from tests.infrastructure.conftest import REPO_ROOT, Synthesized, synthesize_variant
from tradai.settings import Settings, variables

pytestmark = pytest.mark.slow

DEPLOYED_VALUE = "resolved-at-deploy"
"""Stands for a CloudFormation reference (a table name, an ARN) in a synthesized environment."""


def _functions(synth: Synthesized) -> Iterator[tuple[str, dict[str, Any]]]:
    """(function table name, properties) of every synthesized function."""
    for stack in ("compute", "edge"):
        for function in synth.resources(stack, "AWS::Lambda::Function").values():
            properties = function["Properties"]
            yield properties["FunctionName"].split("-", 2)[2], properties  # tradai-{env}-{name}


def _settings(environment: dict[str, Any]) -> Settings:
    """`Settings` as the function builds it from exactly this environment (no .env file)."""
    values = {k: v if isinstance(v, str) else DEPLOYED_VALUE for k, v in environment.items()}
    with pytest.MonkeyPatch.context() as patch:
        for name in [name for name in os.environ if name.startswith(("TRADAI_", "BACKEND_"))]:
            patch.delenv(name)
        for name, value in values.items():
            patch.setenv(name, value)
        return Settings(_env_file=None)


def test_given_each_function_when_its_environment_is_parsed_then_every_setting_its_access_needs_is_set(
    dev: Synthesized,
) -> None:
    # When
    unset = {}
    checked = set()
    for name, properties in _functions(dev):
        settings = _settings(properties["Environment"]["Variables"])
        missing = required_settings(FUNCTIONS[name]) - settings.model_fields_set
        checked.add(name)
        assert settings.runtime == "aws", name
        if missing:
            unset[name] = sorted(missing)

    # Then: every function checked, and every access kind says what it needs (a new kind must too)
    assert checked == {name for name in FUNCTIONS if (REPO_ROOT / "functions" / name / "handler.py").exists()}
    assert set(BY_ACCESS) == set(Access)
    assert unset == {}


def _variables_settings_reads() -> set[str]:
    """Every environment variable `Settings` reads (it matches them in any case)."""
    return {name.upper() for field in Settings.model_fields for name in variables(field)}


def test_given_every_function_variable_when_compared_with_settings_then_settings_reads_it(
    dev: Synthesized,
) -> None:
    # Given: every TRADAI_ variable any function is given
    given = {
        variable
        for _, properties in _functions(dev)
        for variable in properties["Environment"]["Variables"]
        if variable.startswith("TRADAI_")
    }

    # When: a variable Settings does not read (a typo) would be ignored without a word
    unread = given - _variables_settings_reads()

    # Then
    assert "TRADAI_TABLE_NAME" in given
    assert unread == set()


@pytest.mark.parametrize(
    ("kind", "modules"),
    [
        (Access.STRATEGY_INSTANCES, ("ecs_instances", "ecs_tasks")),
        (Access.SYNC_TASKS, ("ecs_sync_executor", "ecs_tasks")),
    ],
)
def test_given_an_ecs_adapter_when_read_then_its_access_requires_every_setting_it_reads(
    kind: Access, modules: tuple[str, ...]
) -> None:
    # Given: the adapters that start and watch ECS tasks in AWS, configured by settings fields
    sources = [
        REPO_ROOT / "layers" / "tradai" / "python" / "tradai" / "adapters" / f"{m}.py" for m in modules
    ]

    # When: every `settings.x` / `self._settings.x` they read
    read = {
        node.attr
        for source in sources
        for node in ast.walk(ast.parse(source.read_text()))
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Attribute | ast.Name)
        and getattr(node.value, "attr", getattr(node.value, "id", None)) in {"settings", "_settings"}
    }

    # Then: a setting the adapter starts reading must be given to the functions that use it
    assert read
    assert read <= set(BY_ACCESS[kind])


# --- the models function reaches MLflow on the internal ALB ------------------------------------


def test_given_models_function_when_synthesized_then_it_runs_in_private_subnets_admitted_by_the_alb(
    dev: Synthesized,
) -> None:
    # Given
    functions = dict(_functions(dev))
    groups = dev.resources("compute", "AWS::EC2::SecurityGroup")
    ingress = [r["Properties"] for r in dev.resources("compute", "AWS::EC2::SecurityGroupIngress").values()]
    (alb,) = dev.resources("compute", "AWS::ElasticLoadBalancingV2::LoadBalancer").values()
    (alb_group,) = alb["Properties"]["SecurityGroups"]

    # When
    models = functions["models"]
    (group,) = models["VpcConfig"]["SecurityGroupIds"]
    admitted = [
        rule
        for rule in ingress
        if rule["GroupId"] == alb_group and rule.get("SourceSecurityGroupId") == group
    ]

    # Then: private subnets only, its own group, let in on the ALB's listener port; no other function
    # sits in the VPC (they need no VPC resource, and a VPC function pays an ENI at scale-out)
    subnets = json.dumps(models["VpcConfig"]["SubnetIds"]).lower()
    assert subnets.count("privatesubnet") == 2
    assert "publicsubnet" not in subnets
    assert group["Fn::GetAtt"][0] in groups
    assert [(rule["FromPort"], rule["ToPort"], rule["IpProtocol"]) for rule in admitted] == [
        (ALB_PORT, ALB_PORT, "tcp")
    ]
    assert [name for name, properties in functions.items() if "VpcConfig" in properties] == ["models"]


def test_given_models_function_when_synthesized_then_its_tracking_uri_is_mlflow_behind_the_alb(
    dev: Synthesized,
) -> None:
    # When
    functions = dict(_functions(dev))
    uri = functions["models"]["Environment"]["Variables"]["TRADAI_MLFLOW_TRACKING_URI"]
    separator, parts = uri["Fn::Join"]

    # Then: http to the ALB's DNS name, with the prefix MLflow serves its REST API under (B7)
    assert separator == ""
    assert parts[0] == "http://"
    assert parts[1]["Fn::GetAtt"][1] == "DNSName"
    assert parts[1]["Fn::GetAtt"][0].startswith("LoadBalancerAlb")
    assert parts[2] == MLFLOW_PREFIX
    holders = [
        n for n, p in functions.items() if "TRADAI_MLFLOW_TRACKING_URI" in p["Environment"]["Variables"]
    ]
    assert holders == ["models"]


def test_given_models_role_when_synthesized_then_it_may_manage_its_network_interfaces_only_by_ec2_actions(
    dev: Synthesized,
) -> None:
    # When
    statements = [
        statement
        for policy in dev.resources("compute", "AWS::IAM::Policy").values()
        if policy["Properties"]["Roles"][0]["Ref"].startswith("ModelsRole")
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    ec2_actions = {
        action
        for statement in statements
        for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
        if action.startswith("ec2:")
    }

    # Then: what Lambda needs to attach the function to its subnets (the managed policy's list), no more
    assert ec2_actions == set(LAMBDA_VPC_ACTIONS)
    assert {"ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface"} <= ec2_actions


# --- live trading: a per-environment switch, only where instances are started or run -------------

LIVE_TRADING = "TRADAI_LIVE_TRADING"


def _live_trading_holders(synth: Synthesized) -> dict[str, bool]:
    """Function or task family -> its live-trading setting as Settings parses it, where it is set."""
    environments = {name: properties["Environment"]["Variables"] for name, properties in _functions(synth)}
    for definition in synth.resources("compute", "AWS::ECS::TaskDefinition").values():
        family = definition["Properties"]["Family"].split("-", 2)[2]
        for container in definition["Properties"]["ContainerDefinitions"]:
            environments[f"task:{family}"] = {v["Name"]: v["Value"] for v in container.get("Environment", [])}
    return {
        name: _settings(variables).live_trading
        for name, variables in environments.items()
        if LIVE_TRADING in variables
    }


def test_given_cdk_json_when_synthesized_then_live_trading_is_off_where_instances_start_and_run(
    dev: Synthesized, prod: Synthesized
) -> None:
    # When: as cdk.json ships (off everywhere; an operator turns it on deliberately)
    holders = {
        environment: _live_trading_holders(synth) for environment, synth in (("dev", dev), ("prod", prod))
    }

    # Then: set, and off, on exactly the instances function (its policy refuses a live run) and the
    # instance task (the worker refuses to build a live broker); nothing else reads it
    expected = {"instances": False, f"task:{INSTANCE_TASK_FAMILY}": False}
    assert holders == {"dev": expected, "prod": expected}


def test_given_live_trading_on_in_cdk_json_when_synthesized_then_the_same_two_get_it_on(
    tmp_path: Path,
) -> None:
    # Given: dev with the switch on
    synth = synthesize_variant("dev", tmp_path, live_trading=True)

    # When
    holders = _live_trading_holders(synth)

    # Then: on for the function that starts instances and the task that trades, still nowhere else
    assert holders == {"instances": True, f"task:{INSTANCE_TASK_FAMILY}": True}
