"""Routes to functions (from `cdk.function_table`), the WebSocket API and pusher, who may use ECS."""

from __future__ import annotations

import ast
import importlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest

pytest.importorskip("aws_cdk", reason="the cdk dependency group is not installed (make cdk-setup)")
from aws_cdk import App, Stack, assertions
from cdk.constants import MLFLOW_PREFIX, MLFLOW_ROUTE, STREAM_RETRY_ATTEMPTS, WEBSOCKET_TICKET_QUERY
from cdk.function_table import FUNCTIONS, route_keys
from cdk.layer_build import REPO_ROOT
from cdk.stacks.compute import deployed_functions

from tests.infrastructure.conftest import Synthesized

pytestmark = pytest.mark.slow

FUNCTIONS_DIR = REPO_ROOT / "functions"


def _handler_routers(handler: Path) -> list[str] | None:
    """The router modules an HTTP handler serves (`http_handler([a.router, ...])`), None if not HTTP."""
    tree = ast.parse(handler.read_text())
    calls = [
        n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "http_handler"
    ]
    if not calls:
        return None
    (call,) = calls
    (routers,) = call.args
    assert isinstance(routers, ast.List)
    return [
        element.value.id
        for element in routers.elts
        if isinstance(element, ast.Attribute) and isinstance(element.value, ast.Name)
    ]


def _match(route_keys_: list[str], method: str, path: str) -> str | None:
    """The route key API Gateway (HTTP API) picks: most specific path first, then a method over ANY."""
    segments = path.strip("/").split("/")
    best: tuple[tuple[int, ...], str] | None = None
    for key in route_keys_:
        key_method, key_path = key.split(" ", 1)
        if key_method not in (method, "ANY"):
            continue
        parts = key_path.strip("/").split("/")
        greedy = parts[-1].endswith("+}")
        fixed = parts[:-1] if greedy else parts
        if (greedy and len(segments) <= len(fixed)) or (not greedy and len(segments) != len(fixed)):
            continue
        if not all(p.startswith("{") or p == s for p, s in zip(fixed, segments, strict=False)):
            continue
        literals = sum(not p.startswith("{") for p in fixed)
        score = (int(not greedy), literals, len(fixed), int(key_method != "ANY"))
        if best is None or score > best[0]:
            best = (score, key)
    return best[1] if best else None


def test_given_function_folders_when_compared_with_the_table_then_each_is_listed_with_routes() -> None:
    # Given
    handlers = sorted(FUNCTIONS_DIR.glob("*/handler.py"))

    # When
    unlisted = [h.parent.name for h in handlers if h.parent.name not in FUNCTIONS]
    http = {h.parent.name for h in handlers if _handler_routers(h) is not None}

    # Then: adding a function folder without its line in cdk/function_table.py fails here
    assert handlers
    assert unlisted == []
    assert http
    for name in http:
        assert FUNCTIONS[name].routes, name
    for name in {h.parent.name for h in handlers} - http:
        assert FUNCTIONS[name].routes == (), name


def _route_targets(synth: Synthesized) -> dict[str, str]:
    """Deployed HTTP route key -> its integration's URI as JSON (names the function's alias)."""
    integrations = synth.resources("edge", "AWS::ApiGatewayV2::Integration")
    target_of: dict[str, str] = {}
    for route in synth.resources("edge", "AWS::ApiGatewayV2::Route").values():
        properties = route["Properties"]
        if "Target" in properties and " " in properties["RouteKey"]:  # not $connect/$disconnect
            integration_id = properties["Target"]["Fn::Join"][1][1]["Ref"]
            target_of[properties["RouteKey"]] = json.dumps(
                integrations[integration_id]["Properties"]["IntegrationUri"]
            )
    return target_of


def _served_routes(name: str) -> list[tuple[set[str], str]]:
    """(methods, path) of every HTTP route of the routers `functions/<name>` serves."""
    served = []
    for module in _handler_routers(FUNCTIONS_DIR / name / "handler.py") or []:
        router = importlib.import_module(f"tradai.api.routers.{module}").router
        served += [(set(r.methods), r.path) for r in router.routes if getattr(r, "methods", None)]
    return served


def test_given_each_http_handler_when_its_routers_routes_are_matched_then_api_gateway_sends_them_to_it(
    dev: Synthesized,
) -> None:
    # Given: the route keys actually deployed, and which function each integrates with
    target_of = _route_targets(dev)
    deployed = list(target_of)

    # When: every method and path of every router each HTTP handler serves
    misrouted = []
    for name in deployed_functions(websocket=False) + deployed_functions(websocket=True):
        # HTTP routes only: the local server's WebSocket route is the WebSocket API in AWS.
        for methods, route_path in _served_routes(name):
            path = route_path.replace("{", "x-").replace("}", "")
            for method in sorted(methods - {"HEAD", "OPTIONS"}):
                key = _match(deployed, method, path)
                camel = "".join(part.title() for part in name.split("_"))
                if key is None or f"{camel}Alias" not in target_of[key]:
                    misrouted.append(f"{method} {route_path} ({name}) -> {key}")

    # Then
    assert misrouted == []


def test_given_each_deployed_route_when_its_function_is_read_then_it_serves_what_any_function_serves_there(
    dev: Synthesized,
) -> None:
    # Given: which function each deployed route key reaches
    target_of = _route_targets(dev)
    functions = deployed_functions(websocket=False) + deployed_functions(websocket=True)
    camel = {name: "".join(part.title() for part in name.split("_")) + "Alias" for name in functions}

    # When: a key reaching a function with no route under its path, where another function has one,
    # answers there 404 instead of that function's answer or 405 (a light group given ANY /configs)
    served = {name: _served_routes(name) for name in functions}
    empty = []
    for key, target in target_of.items():
        owners = [name for name in functions if camel[name] in target]
        if not owners:
            continue  # ANY /mlflow/{proxy+}: the VPC link to MLflow, not a function
        (owner,) = owners
        method, path = key.split(" ", 1)
        parts = path.strip("/").split("/")
        greedy = parts[-1].endswith("+}")
        fixed = parts[:-1] if greedy else parts

        def fits(route_path: str, fixed: list[str] = fixed, greedy: bool = greedy) -> bool:
            segments = route_path.strip("/").split("/")
            deep_enough = len(segments) > len(fixed) if greedy else len(segments) == len(fixed)
            pairs = zip(fixed, segments, strict=False)
            return deep_enough and all(p.startswith("{") or s.startswith("{") or p == s for p, s in pairs)

        def serves(name: str, method: str = method, fits: Callable[[str], bool] = fits) -> bool:
            return any(fits(p) and (method == "ANY" or method in methods) for methods, p in served[name])

        if not serves(owner) and any(serves(name) for name in functions):
            empty.append(f"{key} -> {owner}")

    # Then
    assert empty == []


def test_given_mlflow_route_when_synthesized_then_it_keeps_the_prefix_and_reaches_the_alb_by_vpc_link(
    dev: Synthesized,
) -> None:
    # When
    routes = [r["Properties"] for r in dev.resources("edge", "AWS::ApiGatewayV2::Route").values()]
    (route,) = [r for r in routes if r["RouteKey"] == MLFLOW_ROUTE]
    integration_id = route["Target"]["Fn::Join"][1][1]["Ref"]
    integration = dev.resources("edge", "AWS::ApiGatewayV2::Integration")[integration_id]["Properties"]

    # Then: the path reaches the ALB unchanged (no parameter mapping), where MLflow serves it (B7)
    assert MLFLOW_ROUTE.split(" ")[1].startswith(f"{MLFLOW_PREFIX}/")
    assert route["AuthorizationType"] == "JWT"
    assert integration["ConnectionType"] == "VPC_LINK"
    assert "ListenerArn" in json.dumps(integration["IntegrationUri"]) or "Http" in json.dumps(
        integration["IntegrationUri"]
    )
    assert "RequestParameters" not in integration


def test_given_route_prefix_when_expanded_then_any_and_greedy_routes_cover_it() -> None:
    # Then
    assert route_keys("/api/v1/data") == ("ANY /api/v1/data", "ANY /api/v1/data/{proxy+}")
    assert route_keys("POST /api/v1/ws/ticket") == ("POST /api/v1/ws/ticket",)
    deeper = "ANY /api/v1/strategies/{strategy_id}/instances"
    keys = ["ANY /api/v1/strategies/{proxy+}", deeper, "POST /api/v1/strategies"]
    assert _match(keys, "GET", "/api/v1/strategies/x/instances") == deeper
    assert _match(keys, "GET", "/api/v1/strategies/x") == "ANY /api/v1/strategies/{proxy+}"
    assert _match(keys, "POST", "/api/v1/strategies") == "POST /api/v1/strategies"


# --- WebSocket API and the stream pusher -------------------------------------------------------


def test_given_websocket_api_when_synthesized_then_connect_is_behind_the_ticket_authorizer(
    dev: Synthesized,
) -> None:
    # When
    route_resources = dev.resources("edge", "AWS::ApiGatewayV2::Route").values()
    routes = {r["Properties"]["RouteKey"]: r["Properties"] for r in route_resources}
    authorizers = {
        k: v["Properties"] for k, v in dev.resources("edge", "AWS::ApiGatewayV2::Authorizer").items()
    }

    # Then
    connect = routes["$connect"]
    assert connect["AuthorizationType"] == "CUSTOM"
    authorizer = authorizers[connect["AuthorizerId"]["Ref"]]
    assert authorizer["AuthorizerType"] == "REQUEST"
    assert authorizer["IdentitySource"] == [f"route.request.querystring.{q}" for q in WEBSOCKET_TICKET_QUERY]
    assert "WsAuthorizerAlias" in json.dumps(authorizer["AuthorizerUri"])
    assert routes["$disconnect"]["AuthorizationType"] == "NONE"
    stages = [s["Properties"] for s in dev.resources("edge", "AWS::ApiGatewayV2::Stage").values()]
    assert all(stage["AccessLogSettings"]["DestinationArn"] for stage in stages)


def test_given_stream_pusher_when_synthesized_then_job_changes_and_new_connections_reach_it_with_a_dlq(
    dev: Synthesized,
) -> None:
    # When
    (mapping,) = [m["Properties"] for m in dev.resources("edge", "AWS::Lambda::EventSourceMapping").values()]

    # Then
    assert "StreamArn" in json.dumps(mapping["EventSourceArn"])
    assert "StreamPusherAlias" in json.dumps(mapping["FunctionName"])
    assert mapping["BisectBatchOnFunctionError"] is True
    assert mapping["MaximumRetryAttempts"] == STREAM_RETRY_ATTEMPTS
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert "StreamDlq" in json.dumps(mapping["DestinationConfig"]["OnFailure"]["Destination"])
    # every change of a job item, and the creation of a connection item (its current-state greeting)
    patterns = [json.loads(f["Pattern"]) for f in mapping["FilterCriteria"]["Filters"]]
    assert patterns == [
        {"dynamodb": {"Keys": {"pk": {"S": [{"prefix": "JOB#"}]}}}},
        {"eventName": ["INSERT"], "dynamodb": {"Keys": {"pk": {"S": [{"prefix": "CONN#"}]}}}},
    ]


def test_given_websocket_functions_when_synthesized_then_pusher_alone_manages_connections_of_this_api(
    dev: Synthesized,
) -> None:
    # When
    policies = dev.resources("edge", "AWS::IAM::Policy")
    managing = {
        p["Properties"]["Roles"][0]["Ref"]: s["Resource"]
        for p in policies.values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if s["Action"] == "execute-api:ManageConnections"
    }
    functions = [f["Properties"] for f in dev.resources("edge", "AWS::Lambda::Function").values()]

    # Then
    ((role, resource),) = managing.items()
    assert role.startswith("StreamPusherRole")
    assert "WebSocketApi" in json.dumps(resource)
    assert "/ws/*/@connections/*" in json.dumps(resource)
    for function in functions:
        variables = function["Environment"]["Variables"]
        assert variables["TRADAI_WEBSOCKET_URL"]["Fn::Join"][1][0] == "wss://"
        assert "TRADAI_WEBSOCKET_MANAGEMENT_URL" in variables


# --- ECS permissions of strategy instances (bugs B2, B3: tests/regressions) -------------------


def test_given_synthesized_app_when_any_role_has_ecs_task_actions_then_it_is_an_instances_function(
    dev: Synthesized,
) -> None:
    # When
    holders = {
        p["Properties"]["Roles"][0]["Ref"]
        for stack in dev.templates
        for p in dev.resources(stack, "AWS::IAM::Policy").values()
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if any(a.startswith("ecs:") for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"]))
    }

    # Then: the state machine (RunTask .sync), the instances routes, the data routes (sync tasks) and
    # the job sweeper (starts sync tasks left unstarted; never stops one), nobody else
    allowed = ("InstancesRole", "BacktestStateMachineRole", "DataRole", "JobSweeperRole")
    assert all(holder.startswith(allowed) for holder in holders), holders


def test_given_data_function_when_synthesized_then_it_may_run_only_sync_tasks_on_the_cluster(
    dev: Synthesized,
) -> None:
    # When
    statements = [
        statement
        for policy in dev.resources("compute", "AWS::IAM::Policy").values()
        if policy["Properties"]["Roles"][0]["Ref"].startswith("DataRole")
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    by_action = {
        action: statement
        for statement in statements
        for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])
        if action.startswith(("ecs:", "iam:"))
    }
    variables = next(
        fn["Properties"]["Environment"]["Variables"]
        for logical_id, fn in dev.resources("compute", "AWS::Lambda::Function").items()
        if logical_id.startswith("DataFunction")
    )

    # Then: large syncs start tasks of the sync family only, bound to the cluster (B3), may stop and
    # find them (B2), and hand over exactly the sync task's two roles, to ECS only
    assert set(by_action) == {
        "ecs:RunTask", "ecs:StopTask", "ecs:DescribeTasks", "ecs:ListTasks", "iam:PassRole",
    }  # fmt: skip
    run = by_action["ecs:RunTask"]
    assert "task-definition/tradai-dev-sync-worker:*" in json.dumps(run["Resource"])
    for action in ("ecs:RunTask", "ecs:StopTask", "ecs:DescribeTasks", "ecs:ListTasks"):
        assert "TasksCluster" in json.dumps(by_action[action]["Condition"]["ArnEquals"]["ecs:cluster"])
    passed = by_action["iam:PassRole"]
    assert passed["Condition"] == {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}
    roles = json.dumps(passed["Resource"])
    assert roles.count("SyncTask") == 2
    assert "InstanceTask" not in roles
    assert variables["TRADAI_SYNC_TASK_DEFINITION"]["Ref"].startswith("SyncTaskDefinition")


# --- optional custom domain --------------------------------------------------------------------


def test_given_custom_domain_when_configured_then_the_http_api_is_mapped_on_it_with_tls12() -> None:
    # Given: staging with a domain and its ACM certificate
    from cdk.config import load_config
    from cdk.constructs.http_api import HttpApi

    context = json.loads((REPO_ROOT / "cdk.json").read_text())["context"]
    context["environments"]["staging"] |= {
        "custom_domain": "api.staging.tradai.example.com",
        "custom_domain_certificate_arn": "arn:aws:acm:eu-central-1:111122223333:certificate/abc",
    }
    config = load_config(context | {"env": "staging"}, default_account="111122223333")
    stack = Stack(App(), "Probe", env=config.env)

    # When
    api = HttpApi(stack, "Http", config=config, issuer="https://issuer", audiences=["client"])
    template = assertions.Template.from_stack(stack)

    # Then
    assert api.domain is not None
    template.has_resource_properties(
        "AWS::ApiGatewayV2::DomainName",
        {
            "DomainName": "api.staging.tradai.example.com",
            "DomainNameConfigurations": [
                assertions.Match.object_like(
                    {
                        "CertificateArn": "arn:aws:acm:eu-central-1:111122223333:certificate/abc",
                        "SecurityPolicy": "TLS_1_2",
                    }
                )
            ],
        },
    )
    template.resource_count_is("AWS::ApiGatewayV2::ApiMapping", 1)
