"""The synthesized stacks: table design (B6), routes and authorizer, throttling, CORS, roles, outputs."""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("aws_cdk", reason="the cdk dependency group is not installed (make cdk-setup)")
from aws_cdk.assertions import Match
from cdk.constants import (
    BACKTEST_SUBMIT_BURST_LIMIT,
    BACKTEST_SUBMIT_RATE_LIMIT,
    CORS_ALLOW_HEADERS,
    CORS_ALLOW_METHODS,
    LAMBDA_ALIAS,
    MLFLOW_ROUTE,
    PUBLIC_ROUTES,
    ROUTE_THROTTLES,
    THROTTLE_BURST_LIMIT,
    THROTTLE_RATE_LIMIT,
)
from cdk.function_table import FUNCTIONS, route_keys
from cdk.outputs import output_key
from cdk.stacks.compute import deployed_functions

from tests.infrastructure.conftest import Synthesized
from tradai import table_design

pytestmark = pytest.mark.slow


def _only(resources: dict[str, dict[str, Any]]) -> dict[str, Any]:
    assert len(resources) == 1, sorted(resources)
    return next(iter(resources.values()))["Properties"]


def _statements(policy: dict[str, Any]) -> list[dict[str, Any]]:
    return policy["Properties"]["PolicyDocument"]["Statement"]


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else actions


def _role_actions(synth: Synthesized, stack: str, role_prefix: str) -> set[str]:
    policies = synth.resources(stack, "AWS::IAM::Policy")
    (policy,) = [p for p in policies.values() if p["Properties"]["Roles"][0]["Ref"].startswith(role_prefix)]
    return {action for statement in _statements(policy) for action in _actions(statement)}


def _http_apis(synth: Synthesized) -> dict[str, dict[str, Any]]:
    apis = synth.resources("edge", "AWS::ApiGatewayV2::Api")
    return {k: v for k, v in apis.items() if v["Properties"]["ProtocolType"] == "HTTP"}


# --- names -------------------------------------------------------------------------------------


def test_given_dev_when_synthesized_then_stacks_are_named_tradai_stack_env(dev: Synthesized) -> None:
    # Given / When: the dev assembly
    # Then
    assert dev.stack_names == {name: f"tradai-{name}-dev" for name in dev.stack_names}


# --- persistent: the table (bug B6: tests/regressions) ----------------------------------------


def test_given_table_when_synthesized_then_ttl_stream_pitr_and_encryption_are_on(dev: Synthesized) -> None:
    # When
    table = _only(dev.resources("persistent", "AWS::DynamoDB::Table"))

    # Then
    assert table["TimeToLiveSpecification"] == {"AttributeName": table_design.TTL_ATTRIBUTE, "Enabled": True}
    assert table["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["SSESpecification"]["SSEEnabled"] is True
    assert table["BillingMode"] == "PAY_PER_REQUEST"


def test_given_dev_and_prod_when_synthesized_then_only_prod_retains_and_protects_the_table(
    dev: Synthesized, prod: Synthesized
) -> None:
    # When
    dev_table = dev.resources("persistent", "AWS::DynamoDB::Table")
    prod_table = prod.resources("persistent", "AWS::DynamoDB::Table")

    # Then
    (dev_resource,) = dev_table.values()
    (prod_resource,) = prod_table.values()
    assert dev_resource["DeletionPolicy"] == "Delete"
    assert prod_resource["DeletionPolicy"] == "Retain"
    assert prod_resource["Properties"]["DeletionProtectionEnabled"] is True


# --- persistent: buckets and Cognito -----------------------------------------------------------


def test_given_buckets_when_synthesized_then_each_is_encrypted_versioned_private_and_tls_only(
    dev: Synthesized,
) -> None:
    # When
    buckets = dev.resources("persistent", "AWS::S3::Bucket")
    policies = dev.resources("persistent", "AWS::S3::BucketPolicy")

    # Then: market data, artifacts, reports and the access-log bucket
    assert len(buckets) == 4
    for bucket in buckets.values():
        properties = bucket["Properties"]
        assert properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
        assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
        assert properties["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
    logged = [b for b in buckets.values() if "LoggingConfiguration" in b["Properties"]]
    assert len(logged) == 3
    denies_plain_http = [
        s
        for p in policies.values()
        for s in _statements(p)
        if s["Effect"] == "Deny" and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
    ]
    assert len(denies_plain_http) == 4


def test_given_user_pool_when_synthesized_then_spa_uses_code_grant_and_m2m_client_credentials(
    dev: Synthesized,
) -> None:
    # When
    clients = [c["Properties"] for c in dev.resources("persistent", "AWS::Cognito::UserPoolClient").values()]
    servers = dev.resources("persistent", "AWS::Cognito::UserPoolResourceServer")

    # Then: the resource server `tradai` with scope `api`; the clients' scope is `{server}/api`
    ((server_id, server),) = servers.items()
    assert server["Properties"]["Identifier"] == "tradai"
    assert [scope["ScopeName"] for scope in server["Properties"]["Scopes"]] == ["api"]
    api_scope = {"Fn::Join": ["", [{"Ref": server_id}, "/api"]]}
    spa = next(c for c in clients if not c.get("GenerateSecret"))
    m2m = next(c for c in clients if c.get("GenerateSecret"))
    assert spa["AllowedOAuthFlows"] == ["code"]
    assert api_scope in spa["AllowedOAuthScopes"]
    assert m2m["AllowedOAuthFlows"] == ["client_credentials"]
    assert m2m["AllowedOAuthScopes"] == [api_scope]
    groups = {
        g["Properties"]["GroupName"]
        for g in dev.resources("persistent", "AWS::Cognito::UserPoolGroup").values()
    }
    assert groups == {"admin", "trader", "viewer"}


def test_given_mfa_setting_when_synthesized_then_prod_requires_mfa_and_dev_offers_it(
    dev: Synthesized, prod: Synthesized
) -> None:
    # When
    dev_pool = _only(dev.resources("persistent", "AWS::Cognito::UserPool"))
    prod_pool = _only(prod.resources("persistent", "AWS::Cognito::UserPool"))

    # Then
    assert dev_pool["MfaConfiguration"] == "OPTIONAL"
    assert prod_pool["MfaConfiguration"] == "ON"


# --- foundation --------------------------------------------------------------------------------


def test_given_foundation_when_synthesized_then_vpc_spans_two_azs_with_gateway_endpoints(
    dev: Synthesized,
) -> None:
    # When
    subnets = dev.resources("foundation", "AWS::EC2::Subnet")
    endpoints = dev.resources("foundation", "AWS::EC2::VPCEndpoint")

    # Then
    assert len({s["Properties"]["AvailabilityZone"] for s in subnets.values()}) == 2
    assert {e["Properties"]["VpcEndpointType"] for e in endpoints.values()} == {"Gateway"}
    assert len(endpoints) == 2
    dev.templates["foundation"].resource_count_is("AWS::EC2::NatGateway", 1)
    dev.templates["foundation"].resource_count_is("AWS::EC2::FlowLog", 1)
    dev.templates["foundation"].has_resource_properties(
        "AWS::SNS::Topic", {"KmsMasterKeyId": Match.any_value()}
    )
    dev.templates["foundation"].has_resource_properties("AWS::SQS::Queue", {"SqsManagedSseEnabled": True})


def test_given_mlflow_database_when_synthesized_then_private_encrypted_and_rotated(dev: Synthesized) -> None:
    # When
    database = _only(dev.resources("foundation", "AWS::RDS::DBInstance"))
    rotation = _only(dev.resources("foundation", "AWS::SecretsManager::RotationSchedule"))

    # Then
    assert database["Engine"] == "postgres"
    assert database["StorageEncrypted"] is True
    assert database["PubliclyAccessible"] is False
    assert database["DBName"] == "mlflow"
    assert rotation["RotationRules"] == {"ScheduleExpression": "rate(30 days)"}
    ingress = dev.resources("foundation", "AWS::EC2::SecurityGroupIngress").values()
    assert all("CidrIp" not in rule["Properties"] for rule in ingress)


def test_given_prod_when_synthesized_then_mlflow_database_is_multi_az_and_protected(
    prod: Synthesized,
) -> None:
    # When
    (database,) = prod.resources("foundation", "AWS::RDS::DBInstance").values()

    # Then
    assert database["Properties"]["MultiAZ"] is True
    assert database["Properties"]["DeletionProtection"] is True
    assert database["DeletionPolicy"] == "Snapshot"


def test_given_prod_when_synthesized_then_each_az_has_its_own_nat(prod: Synthesized) -> None:
    # Then
    prod.templates["foundation"].resource_count_is("AWS::EC2::NatGateway", 2)


# --- compute -----------------------------------------------------------------------------------


def test_given_functions_when_synthesized_then_zips_run_python312_arm64_snapstart_images_x86_behind_live(
    dev: Synthesized,
) -> None:
    # When
    functions = dev.resources("compute", "AWS::Lambda::Function") | dev.resources(
        "edge", "AWS::Lambda::Function"
    )
    aliases = dev.resources("compute", "AWS::Lambda::Alias") | dev.resources("edge", "AWS::Lambda::Alias")

    # Then: every function folder of the table, in one stack or the other
    assert len(functions) == len(deployed_functions(websocket=False) + deployed_functions(websocket=True))
    images = set()
    for function in functions.values():
        properties = function["Properties"]
        name = properties["FunctionName"].removeprefix("tradai-dev-")
        assert properties["TracingConfig"] == {"Mode": "Active"}
        if FUNCTIONS[name].image:
            # The worker image is linux/amd64 and Lambda has no SnapStart for images
            images.add(name)
            assert properties["PackageType"] == "Image"
            assert properties["Architectures"] == ["x86_64"]
            assert properties["ImageConfig"]["Command"] == [f"functions.{name}.handler.lambda_handler"]
            assert "SnapStart" not in properties
            assert "Layers" not in properties
        else:
            assert properties["Runtime"] == "python3.12"
            assert properties["Architectures"] == ["arm64"]
            assert properties["SnapStart"] == {"ApplyOn": "PublishedVersions"}
            assert properties["Handler"] == "handler.lambda_handler"
            assert len(properties["Layers"]) == 1
        environment = properties["Environment"]["Variables"]
        assert environment["TRADAI_RUNTIME"] == "aws"
        assert environment["TRADAI_ENVIRONMENT"] == "dev"
        assert environment["TRADAI_CORS_ORIGINS"] == "*"
        assert {"TRADAI_TABLE_NAME", "TRADAI_ARTIFACTS_BUCKET", "TRADAI_AWS_REGION"} <= set(environment)
    assert images == {"engine_routes", "data", "instances", "models"}
    assert {a["Properties"]["Name"] for a in aliases.values()} == {LAMBDA_ALIAS}
    assert len(aliases) == len(functions)


def test_given_functions_when_synthesized_then_each_has_its_own_role(dev: Synthesized) -> None:
    # When
    roles = [
        f["Properties"]["Role"]["Fn::GetAtt"][0]
        for f in dev.resources("compute", "AWS::Lambda::Function").values()
    ]

    # Then
    assert len(set(roles)) == len(roles)


def test_given_health_function_when_synthesized_then_its_role_can_only_log_get_item_and_list_bucket(
    dev: Synthesized,
) -> None:
    # When
    actions = _role_actions(dev, "compute", "HealthRole")

    # Then
    assert actions == {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "dynamodb:GetItem",
        "s3:ListBucket",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
    }


def test_given_backtests_function_when_synthesized_then_its_role_has_item_query_read_and_execution_actions(
    dev: Synthesized,
) -> None:
    # When
    actions = _role_actions(dev, "compute", "BacktestsRole")

    # Then
    assert actions == {
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:ConditionCheckItem",
        "dynamodb:Query",
        "s3:GetObject",
        "states:StartExecution",
        "states:StopExecution",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
    }


@pytest.mark.parametrize(
    ("role", "buckets"),
    [
        # Results are read from the artifacts bucket; the job routes never touch the bars.
        ("BacktestsRole", ["artifacts"]),
        # A submission checks the stored bars; the engine routes read no results.
        ("EngineRoutesRole", ["market-data"]),
    ],
)
def test_given_backtest_roles_when_synthesized_then_queries_name_each_index_and_objects_only_their_bucket(
    dev: Synthesized, role: str, buckets: list[str]
) -> None:
    # Given
    (policy,) = [
        p
        for p in dev.resources("compute", "AWS::IAM::Policy").values()
        if p["Properties"]["Roles"][0]["Ref"].startswith(role)
    ]

    # When
    by_action: dict[str, list[Any]] = {}
    for statement in _statements(policy):
        resources = statement["Resource"]
        for action in _actions(statement):
            by_action.setdefault(action, []).extend(resources if isinstance(resources, list) else [resources])

    # Then: one resource per index (never index/*); objects of its bucket, nothing else
    index_suffixes = [r["Fn::Join"][1][-1] for r in by_action["dynamodb:Query"] if "Fn::Join" in r]
    assert index_suffixes == [f"/index/{index}" for index in table_design.INDEXES]
    object_arns = sorted(
        "".join(p if isinstance(p, str) else "<token>" for p in arn["Fn::Join"][1])
        for arn in by_action["s3:GetObject"]
    )
    assert object_arns == [f"arn:<token>:s3:::tradai-dev-{bucket}-<token>/*" for bucket in buckets]


def test_given_every_template_when_synthesized_then_no_iam_policy_grants_a_wildcard_action(
    dev: Synthesized,
) -> None:
    # When
    statements = [
        statement
        for stack in dev.templates
        for policy in dev.resources(stack, "AWS::IAM::Policy").values()
        for statement in _statements(policy)
    ]

    # Then
    assert statements
    wildcards = [action for s in statements for action in _actions(s) if "*" in action]
    assert wildcards == []


# --- edge --------------------------------------------------------------------------------------


def test_given_routes_when_synthesized_then_health_is_public_and_every_other_route_needs_the_jwt(
    dev: Synthesized,
) -> None:
    # When
    routes = {
        r["Properties"]["RouteKey"]: r["Properties"]
        for r in dev.resources("edge", "AWS::ApiGatewayV2::Route").values()
    }
    authorizers = {
        key: value
        for key, value in dev.resources("edge", "AWS::ApiGatewayV2::Authorizer").items()
        if value["Properties"]["AuthorizerType"] == "JWT"
    }

    # Then
    expected = {
        key
        for name in deployed_functions(websocket=False) + deployed_functions(websocket=True)
        for route in FUNCTIONS[name].routes
        for key in route_keys(route)
    }
    assert set(routes) - {"$connect", "$disconnect", MLFLOW_ROUTE} == expected
    (authorizer_id,) = authorizers
    assert authorizers[authorizer_id]["Properties"]["AuthorizerType"] == "JWT"
    assert authorizers[authorizer_id]["Properties"]["IdentitySource"] == ["$request.header.Authorization"]
    assert len(authorizers[authorizer_id]["Properties"]["JwtConfiguration"]["Audience"]) == 2
    for key, route in routes.items():
        if key in ("$connect", "$disconnect"):
            continue
        if key in PUBLIC_ROUTES:
            assert route["AuthorizationType"] == "NONE"
            assert "AuthorizerId" not in route
        else:
            assert route["AuthorizationType"] == "JWT", key
            assert route["AuthorizerId"] == {"Ref": authorizer_id}, key


def test_given_stage_when_synthesized_then_throttles_by_default_and_post_backtests_stricter(
    dev: Synthesized,
) -> None:
    # When
    stages = dev.resources("edge", "AWS::ApiGatewayV2::Stage")
    stage = _only({k: v for k, v in stages.items() if v["Properties"]["StageName"] == "$default"})

    # Then
    assert stage["StageName"] == "$default"
    assert stage["DefaultRouteSettings"] == {
        "ThrottlingRateLimit": THROTTLE_RATE_LIMIT,
        "ThrottlingBurstLimit": THROTTLE_BURST_LIMIT,
    }
    assert (THROTTLE_RATE_LIMIT, THROTTLE_BURST_LIMIT) == (100, 200)
    assert stage["RouteSettings"] == {
        "POST /api/v1/backtests": {
            "ThrottlingRateLimit": BACKTEST_SUBMIT_RATE_LIMIT,
            "ThrottlingBurstLimit": BACKTEST_SUBMIT_BURST_LIMIT,
        }
    }
    assert set(ROUTE_THROTTLES) == {"POST /api/v1/backtests"}
    assert (BACKTEST_SUBMIT_RATE_LIMIT, BACKTEST_SUBMIT_BURST_LIMIT) == (10, 20)
    assert stage["AccessLogSettings"]["DestinationArn"]


def test_given_cors_when_synthesized_then_it_follows_seed_001_per_environment(
    dev: Synthesized, prod: Synthesized
) -> None:
    # When
    dev_api = _only(_http_apis(dev))
    prod_api = _only(_http_apis(prod))

    # Then
    assert dev_api["CorsConfiguration"] == {
        "AllowOrigins": ["*"],
        "AllowMethods": list(CORS_ALLOW_METHODS),
        "AllowHeaders": list(CORS_ALLOW_HEADERS),
        "MaxAge": 86400,
    }
    assert "*" not in prod_api["CorsConfiguration"]["AllowOrigins"]


def test_given_monitoring_when_synthesized_then_every_alarm_notifies_the_alarm_topic(
    dev: Synthesized,
) -> None:
    # When
    alarms = [a["Properties"] for a in dev.resources("edge", "AWS::CloudWatch::Alarm").values()]

    # Then: API 5xx, errors and throttles of each function, the depth of the two DLQs (stream,
    # execution events), backtest executions failed and timed out
    functions = deployed_functions(websocket=False) + deployed_functions(websocket=True)
    assert len(alarms) == 1 + 2 * len(functions) + 2 + 2
    for alarm in alarms:
        ((action,),) = [alarm["AlarmActions"]]
        assert "tradai-foundation-dev:ExportsOutputRefAlarmsTopic" in action["Fn::ImportValue"]
    metrics = {(a["Namespace"], a["MetricName"]) for a in alarms}
    assert metrics == {
        ("AWS/ApiGateway", "5xx"),
        ("AWS/Lambda", "Errors"),
        ("AWS/Lambda", "Throttles"),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible"),
        ("AWS/States", "ExecutionsFailed"),
        ("AWS/States", "ExecutionsTimedOut"),
    }
    dev.templates["edge"].resource_count_is("AWS::CloudWatch::Dashboard", 1)


# --- outputs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stack", "names"),
    [
        (
            "persistent",
            [
                "cognito_user_pool_id",
                "cognito_user_pool_client_id",
                "cognito_m2m_client_id",
                "cognito_user_pool_endpoint",
            ],
        ),
        ("foundation", ["vpc_id", "private_subnet_ids", "rds_endpoint"]),
        ("compute", ["alb_dns_name", "ecs_cluster_name"]),
        ("edge", ["api_gateway_endpoint", "api_gateway_id", "websocket_endpoint"]),
    ],
)
def test_given_stack_when_synthesized_then_it_outputs_seed_001_values(
    dev: Synthesized, stack: str, names: list[str]
) -> None:
    # When
    outputs = dev.templates[stack].find_outputs("*")

    # Then: keyed in CloudFormation's alphanumeric form, described by the seed's name
    for name in names:
        assert outputs[output_key(name)]["Description"] == name
