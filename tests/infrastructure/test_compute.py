"""The compute stack's containers: ECS cluster, worker tasks, MLflow behind the internal ALB (B7)."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytest.importorskip("aws_cdk", reason="the cdk dependency group is not installed (make cdk-setup)")
from cdk.constants import (
    BACKTEST_TASK_FAMILY,
    INSTANCE_TASK_FAMILY,
    SYNC_TASK_FAMILY,
    WORKER_CONTAINER,
    WORKER_IMAGE_TAG_DEFAULT,
)
from cdk.constructs.web_acl import MANAGED_RULE_GROUPS

from tests.infrastructure.conftest import Synthesized

pytestmark = pytest.mark.slow


def _one(resources: dict[str, dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    assert len(resources) == 1, sorted(resources)
    ((logical_id, resource),) = resources.items()
    return logical_id, resource["Properties"]


def _task_definitions(synth: Synthesized) -> dict[str, dict[str, Any]]:
    """Task definitions by family without the `tradai-{env}-` prefix."""
    definitions = synth.resources("compute", "AWS::ECS::TaskDefinition").values()
    return {d["Properties"]["Family"].split("-", 2)[2]: d["Properties"] for d in definitions}


def _role_actions(synth: Synthesized, role_prefix: str) -> set[str]:
    actions: set[str] = set()
    for policy in synth.resources("compute", "AWS::IAM::Policy").values():
        if policy["Properties"]["Roles"][0]["Ref"].startswith(role_prefix):
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                action = statement["Action"]
                actions |= {action} if isinstance(action, str) else set(action)
    return actions


def _mlflow_command(synth: Synthesized) -> list[Any]:
    (container,) = _task_definitions(synth)["mlflow"]["ContainerDefinitions"]
    command: list[Any] = container["Command"]
    return command


def _option(command: list[Any], name: str) -> Any:
    return command[command.index(name) + 1]


# --- cluster and worker tasks ------------------------------------------------------------------


def test_given_compute_when_synthesized_then_cluster_has_container_insights(dev: Synthesized) -> None:
    # When
    _, cluster = _one(dev.resources("compute", "AWS::ECS::Cluster"))

    # Then
    assert cluster["ClusterName"] == "tradai-dev-cluster"
    assert {"Name": "containerInsights", "Value": "enabled"} in cluster["ClusterSettings"]


def test_given_worker_tasks_when_synthesized_then_both_run_the_ecr_image_at_the_context_tag_on_x86(
    dev: Synthesized,
) -> None:
    # When
    definitions = _task_definitions(dev)

    # Then: one image for backtest chunks, strategy instances and market-data syncs, the tag chosen
    # at deploy (`-c worker_image_tag=...`, default `latest`)
    workers = (BACKTEST_TASK_FAMILY, INSTANCE_TASK_FAMILY, SYNC_TASK_FAMILY)
    assert set(definitions) == {*workers, "mlflow"}
    for family in workers:
        definition = definitions[family]
        assert definition["RequiresCompatibilities"] == ["FARGATE"]
        # X86_64: ArcticDB publishes Linux wheels for x86_64 only (containers/worker/Dockerfile)
        assert definition["RuntimePlatform"]["CpuArchitecture"] == "X86_64"
        (container,) = definition["ContainerDefinitions"]
        assert container["Name"] == WORKER_CONTAINER
        assert container["LogConfiguration"]["LogDriver"] == "awslogs"
        image = json.dumps(container["Image"])
        assert "WorkerImagesRepository" in image
        assert image.endswith(f':{WORKER_IMAGE_TAG_DEFAULT}"]]}}'), image
        environment = {variable["Name"]: variable["Value"] for variable in container["Environment"]}
        assert environment["TRADAI_RUNTIME"] == "aws"
        assert {"TRADAI_TABLE_NAME", "TRADAI_ARTIFACTS_BUCKET", "TRADAI_MARKET_DATA_BUCKET"} <= set(
            environment
        )
    roles = {definitions[family]["TaskRoleArn"]["Fn::GetAtt"][0] for family in definitions}
    assert len(roles) == len(definitions)


def test_given_worker_task_roles_when_synthesized_then_each_holds_only_what_its_work_needs(
    dev: Synthesized,
) -> None:
    # When
    backtest = _role_actions(dev, "BacktestTaskTaskRole")
    instance = _role_actions(dev, "InstanceTaskTaskRole")
    sync = _role_actions(dev, "SyncTaskTaskRole")

    # Then: items, bars read, results written; a chunk also queries its job's partition (progress)
    # and reads its plan; an instance queries an order's fills and, at start, its strategy's
    # unsettled orders (an index); only an instance reads the exchange keys; only a sync writes bars
    items = {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem"}
    bars = {"s3:ListBucket", "s3:GetObject"}
    assert backtest == items | bars | {"s3:PutObject", "dynamodb:Query"}
    assert instance == items | bars | {"dynamodb:Query", "secretsmanager:GetSecretValue"}
    assert sync == items | bars | {"s3:PutObject", "s3:DeleteObject"}


# --- MLflow behind the internal ALB (bug B7: tests/regressions) ------------------------------------


def test_given_alb_when_synthesized_then_it_is_internal_admits_vpc_link_and_models_and_logs_access(
    dev: Synthesized,
) -> None:
    # When
    _, alb = _one(dev.resources("compute", "AWS::ElasticLoadBalancingV2::LoadBalancer"))
    groups = dev.resources("compute", "AWS::EC2::SecurityGroup")
    (alb_group_ref,) = alb["SecurityGroups"]
    alb_group = groups[alb_group_ref["Fn::GetAtt"][0]]["Properties"]

    # Then
    assert alb["Scheme"] == "internal"
    attributes = {a["Key"]: a["Value"] for a in alb["LoadBalancerAttributes"]}
    assert attributes["access_logs.s3.enabled"] == "true"
    assert attributes["routing.http.drop_invalid_header_fields.enabled"] == "true"
    alb_group_id = {"Fn::GetAtt": [alb_group_ref["Fn::GetAtt"][0], "GroupId"]}
    rules = dev.resources("compute", "AWS::EC2::SecurityGroupIngress").values()
    ingress = alb_group.get("SecurityGroupIngress", [])
    ingress += [r["Properties"] for r in rules if r["Properties"]["GroupId"] == alb_group_id]
    # Then: the HTTP API's VPC link, and the models Lambda (its MLflow client), nothing else
    assert ingress
    sources = set()
    for rule in ingress:
        assert "CidrIp" not in rule
        sources.add(rule["SourceSecurityGroupId"]["Fn::GetAtt"][0])
    assert sorted(source.split("SecurityGroup")[0] for source in sources) == ["LoadBalancerVpcLink", "Models"]


def test_given_alb_when_synthesized_then_waf_with_managed_rules_and_a_rate_rule_protects_it(
    dev: Synthesized,
) -> None:
    # When
    acl_id, acl = _one(dev.resources("compute", "AWS::WAFv2::WebACL"))
    _, association = _one(dev.resources("compute", "AWS::WAFv2::WebACLAssociation"))

    # Then
    assert acl["Scope"] == "REGIONAL"
    statements = [rule["Statement"] for rule in acl["Rules"]]
    managed = [s["ManagedRuleGroupStatement"]["Name"] for s in statements if "ManagedRuleGroupStatement" in s]
    assert managed == list(MANAGED_RULE_GROUPS)
    rate = [r for r in acl["Rules"] if "RateBasedStatement" in r["Statement"]]
    assert len(rate) == 1
    assert rate[0]["Action"] == {"Block": {}}
    assert association["WebACLArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}
    assert association["ResourceArn"]["Ref"].startswith("LoadBalancerAlb")


def test_given_mlflow_service_when_synthesized_then_it_reaches_its_database_and_reads_secrets_as_secrets(
    dev: Synthesized,
) -> None:
    # When
    (container,) = _task_definitions(dev)["mlflow"]["ContainerDefinitions"]
    ingress = [
        r["Properties"]
        for r in dev.resources("compute", "AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["FromPort"] == 5432
    ]

    # Then: the password is an ECS secret, never a plain variable; only MLflow's group reaches 5432
    assert {s["Name"] for s in container["Secrets"]} == {"DB_USER", "DB_PASSWORD"}
    assert "DB_PASSWORD" not in {v["Name"] for v in container["Environment"]}
    (rule,) = ingress
    assert "MlflowDbInstanceSecurityGroup" in json.dumps(rule["GroupId"])
    assert rule["SourceSecurityGroupId"]["Fn::GetAtt"][0].startswith("MlflowService")
    assert _option(_mlflow_command(dev), "--artifacts-destination")
    (service,) = [s["Properties"] for s in dev.resources("compute", "AWS::ECS::Service").values()]
    assert service["NetworkConfiguration"]["AwsvpcConfiguration"]["AssignPublicIp"] == "DISABLED"
