"""Which functions run from the worker image, and that the image can run them (no Docker here to build it).

The zip + layer path cannot hold the engine, ArcticDB, ccxt or MLflow (Lambda's 250 MB limit), so a
zip function must never need them: checked on its routers' code and by serving its sample events.
"""

from __future__ import annotations

import ast
import fnmatch
import json
import os
import re
import subprocess
import sys
import tomllib
from collections.abc import Callable

import pytest

pytest.importorskip("aws_cdk", reason="the cdk dependency group is not installed (make cdk-setup)")
from aws_cdk import App, Stack, assertions
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_lambda as lambda_
from cdk.config import load_config
from cdk.constants import IMAGE_ENTRYPOINT, IMAGE_FUNCTIONS_DIR, IMAGE_PYTHON, LAMBDA_IMAGE_PULL_ACTIONS
from cdk.constructs.function import FunctionSpec, TradaiFunction, WorkerImage, image_handler
from cdk.function_table import FUNCTIONS
from cdk.stacks.compute import deployed_functions

from tests.events import LAMBDA_ENVIRONMENT
from tests.infrastructure.conftest import REPO_ROOT, Synthesized

pytestmark = pytest.mark.slow

DOCKERFILE = REPO_ROOT / "containers" / "worker" / "Dockerfile"
HEAVY_MODULES = ("numpy", "numba", "pandas", "arcticdb", "ccxt", "mlflow")
HEAVY_PORTS = frozenset({"strategies", "market_data", "registry", "exchange"})
"""Container attributes whose adapters import heavy modules (engine catalog, ArcticDB, MLflow, ccxt)."""


def _deployed(*, image: bool) -> list[str]:
    names = deployed_functions(websocket=False) + deployed_functions(websocket=True)
    return sorted(name for name in names if FUNCTIONS[name].image == image)


def _handler_router_modules(name: str) -> list[str]:
    """The `tradai.api.routers.<module>` names a handler imports (none for event handlers)."""
    tree = ast.parse((REPO_ROOT / "functions" / name / "handler.py").read_text())
    return [
        f"{node.module}.{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module == "tradai.api.routers"
        for alias in node.names
    ]


def test_given_image_functions_when_synthesized_then_their_image_config_matches_the_dockerfile(
    dev: Synthesized,
) -> None:
    # Given: where the Dockerfile puts the interpreter and the handlers, and what it installs
    dockerfile = DOCKERFILE.read_text()
    (venv,) = re.findall(r"UV_PROJECT_ENVIRONMENT=(\S+)", dockerfile)
    copies = re.findall(r"^COPY functions (\S+)$", dockerfile, re.MULTILINE)
    lock = tomllib.loads((REPO_ROOT / "uv.lock").read_text())
    (project,) = [package for package in lock["package"] if package["name"] == "tradai"]
    groups = project["dev-dependencies"]

    # When
    functions = [
        f["Properties"]
        for f in dev.resources("compute", "AWS::Lambda::Function").values()
        if f["Properties"].get("PackageType") == "Image"
    ]

    # Then: awslambdaric from the locked group runs `functions.<name>.handler` from the copied folder
    assert "--group lambda-image" in dockerfile
    assert [d["name"] for d in groups["lambda-image"]] == ["awslambdaric"]
    assert f"{venv}/bin/python" == IMAGE_PYTHON
    assert copies == [f"{IMAGE_FUNCTIONS_DIR}/functions"]
    assert sorted(f["FunctionName"].removeprefix("tradai-dev-") for f in functions) == _deployed(image=True)
    for function in functions:
        name = function["FunctionName"].removeprefix("tradai-dev-")
        assert function["ImageConfig"] == {
            "EntryPoint": list(IMAGE_ENTRYPOINT),
            "Command": [image_handler(name)],
            "WorkingDirectory": IMAGE_FUNCTIONS_DIR,
        }
        variables = function["Environment"]["Variables"]
        assert variables["NUMBA_CACHE_DIR"].startswith("/tmp/")  # Lambda's only writable folder


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_given_worker_repository_when_synthesized_then_lambda_pulls_only_for_this_environments_functions(
    synthesize: Callable[[str], Synthesized], environment: str
) -> None:
    # Given
    synth = synthesize(environment)
    repository = synth.only("persistent", "AWS::ECR::Repository")
    image_functions = [
        f["Properties"]["FunctionName"]
        for f in synth.resources("compute", "AWS::Lambda::Function").values()
        if f["Properties"].get("PackageType") == "Image"
    ]

    # When: every statement of the repository's policy that names the Lambda service
    lambda_statements = [
        statement
        for statement in repository["RepositoryPolicyText"]["Statement"]
        if statement["Principal"] == {"Service": "lambda.amazonaws.com"}
    ]

    # Then: one statement, the guide's two pull actions, only when the caller is a function of this
    # account and environment (no unconditioned grant from Code.from_ecr_image beside it)
    (statement,) = lambda_statements
    assert statement["Effect"] == "Allow"
    assert sorted(statement["Action"]) == sorted(LAMBDA_IMAGE_PULL_ACTIONS)
    assert {op: sorted(keys) for op, keys in statement["Condition"].items()} == {"ArnLike": ["aws:SourceArn"]}
    separator, parts = statement["Condition"]["ArnLike"]["aws:SourceArn"]["Fn::Join"]
    rendered = separator.join(p if isinstance(p, str) else f"<{p['Ref']}>" for p in parts)
    assert rendered == (
        f"arn:<AWS::Partition>:lambda:eu-central-1:<AWS::AccountId>:function:tradai-{environment}-*"
    )
    assert image_functions
    assert all(fnmatch.fnmatch(name, rendered.rsplit(":", 1)[1]) for name in image_functions)


def test_given_image_commands_when_imported_from_the_functions_parent_then_each_handler_loads() -> None:
    # Given: awslambdaric imports the command's module with the working directory first on sys.path
    modules = [image_handler(name).rsplit(".", 1)[0] for name in _deployed(image=True)]
    script = (
        "import importlib, sys\n"
        "for module in sys.argv[1:]: assert callable(importlib.import_module(module).lambda_handler)"
    )
    env = os.environ | {"TRADAI_RUNTIME": "aws", "AWS_DEFAULT_REGION": "eu-central-1"}

    # When
    result = subprocess.run(
        [sys.executable, "-c", script, *modules], cwd=REPO_ROOT, env=env, capture_output=True, text=True
    )

    # Then
    assert result.returncode == 0, result.stderr


def test_given_a_new_image_tag_when_synthesized_then_the_live_alias_gets_a_new_version() -> None:
    # Given: the same image function at two tags
    context = json.loads((REPO_ROOT / "cdk.json").read_text())["context"]
    config = load_config(context | {"env": "dev"}, default_account="111122223333")

    def version_ids(tag: str) -> set[str]:
        stack = Stack(App(), "Probe", env=config.env)
        repository = ecr.Repository(stack, "Images")
        layer = lambda_.LayerVersion.from_layer_version_arn(
            stack, "Layer", "arn:aws:lambda:eu-central-1:111122223333:layer:unused:1"
        )
        TradaiFunction(
            stack,
            "Models",
            config=config,
            spec=FunctionSpec(
                name="models",
                description="probe",
                memory_mb=512,
                timeout=FUNCTIONS["models"].timeout,
                image=True,
            ),
            layer=layer,
            image=WorkerImage(repository=repository, tag_or_digest=tag),
            environment={},
            statements=[],
        )
        return set(assertions.Template.from_stack(stack).find_resources("AWS::Lambda::Version"))

    # When
    first, second = version_ids("2026.11.27-1"), version_ids("2026.11.27-2")

    # Then: a tag change publishes a version (a CloudFormation parameter would not)
    assert len(first) == len(second) == 1
    assert first != second


def test_given_zip_functions_when_their_routers_are_read_then_none_uses_a_heavy_port() -> None:
    # Given: what each zip function's routers take from the container
    used: dict[str, set[str]] = {}
    for name in _deployed(image=False):
        for module in _handler_router_modules(name):
            path = REPO_ROOT / "layers" / "tradai" / "python" / (module.replace(".", "/") + ".py")
            used[module] = {
                node.attr
                for node in ast.walk(ast.parse(path.read_text()))
                if isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id == "container"
            }

    # Then: the strategy catalog, market data, registry and exchange need the worker image
    assert used
    assert {module: attrs & HEAVY_PORTS for module, attrs in used.items() if attrs & HEAVY_PORTS} == {}


_SERVE_EVENTS = """
import json, sys
from moto import mock_aws
from tests.events import FakeLambdaContext, load_event, load_handler
from tests.integration.conftest import create_resources

heavy = {heavy!r}
loaded, missing = {{}}, []
with mock_aws():
    create_resources()
    for name, events in json.loads(sys.argv[1]).items():
        handler = load_handler(name)
        for event in events:
            try:
                handler.lambda_handler(load_event(event), FakeLambdaContext())
            except ImportError as error:
                missing.append(f"{{event}}: {{error}}")
            except Exception:
                pass  # answers are the handlers' own tests' business; imports are this test's
        loaded[name] = sorted(m for m in heavy if m in sys.modules)
print(json.dumps({{"loaded": loaded, "missing": missing}}))
"""


def test_given_zip_functions_when_serving_their_sample_events_then_no_heavy_module_is_loaded() -> None:
    # Given: every zip function with its events, in one fresh interpreter on moto
    events = {
        name: sorted(f"{name}/{path.stem}" for path in (REPO_ROOT / "events" / name).glob("*.json"))
        for name in _deployed(image=False)
    }
    credentials = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    env = os.environ | LAMBDA_ENVIRONMENT | credentials

    # When
    result = subprocess.run(
        [sys.executable, "-c", _SERVE_EVENTS.format(heavy=HEAVY_MODULES), json.dumps(events)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
    )

    # Then: each function's events ran, and after each function still no heavy import
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert all(events.values())
    assert report["missing"] == []
    assert report["loaded"] == {name: [] for name in events}
