"""SnapStart priming: before the snapshot, a function loads what its first request would load.

Lambda runs the `snapshot_restore_py` before-snapshot hooks once per published version; these tests
run them the same way, after loading a handler with AWS_LAMBDA_INITIALIZATION_TYPE=snap-start.
`benchmarks/first_request.py` measures what it saves a restored function's first request.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
import snapshot_restore_py

from tests.events import LAMBDA_ENVIRONMENT, ROOT, FakeLambdaContext, load_event, load_handler
from tests.integration.conftest import create_resources
from tradai import snapstart
from tradai.settings import Settings, get_settings

SNAP_START = {"AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start"}


@pytest.fixture(autouse=True)
def empty_hook_registry() -> Iterator[None]:
    """The registry is the process's, as in Lambda; each test starts and ends with none."""
    hooks = snapshot_restore_py.get_before_snapshot()
    hooks.clear()
    yield
    hooks.clear()


def run_before_snapshot_hooks() -> None:
    """What Lambda does before taking the snapshot: the hooks, last registered first."""
    for hook, args, kwargs in reversed(snapshot_restore_py.get_before_snapshot()):
        hook(*args, **kwargs)


def test_given_an_on_demand_init_when_a_handler_loads_then_no_hook_is_registered(aws_env: None) -> None:
    load_handler("catalog")

    assert snapshot_restore_py.get_before_snapshot() == []


@pytest.mark.parametrize(
    ("function", "event"),
    [("catalog", "catalog/list_strategies"), ("ws_disconnect", "ws_disconnect/disconnect")],
)
def test_given_a_snap_start_init_when_primed_then_the_first_event_is_served(
    aws_env: None, monkeypatch: pytest.MonkeyPatch, function: str, event: str
) -> None:
    # Given: a SnapStart init of the function, its hooks run as before a snapshot
    create_resources()
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start")
    get_settings.cache_clear()
    handler = load_handler(function)
    assert len(snapshot_restore_py.get_before_snapshot()) == 1
    run_before_snapshot_hooks()

    # When: the first event after the restore
    response = handler.lambda_handler(load_event(event), FakeLambdaContext())

    # Then
    assert response["statusCode"] == 200


def test_given_a_failing_prime_when_the_hook_runs_then_it_is_logged_not_raised(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken() -> None:
        raise RuntimeError("no credentials before the snapshot")

    assert snapstart.before_snapshot(Settings(lambda_initialization_type="snap-start"), broken)

    with caplog.at_level(logging.WARNING, logger="tradai.snapstart"):
        run_before_snapshot_hooks()

    assert "SnapStart priming failed" in caplog.text


@pytest.mark.slow
def test_given_a_fresh_snap_start_init_when_primed_then_what_a_request_needs_is_loaded_not_built() -> None:
    # Given: a fresh interpreter, as in Lambda, loading the catalog function (no AWS call is made)
    code = """
import importlib.util, json, sys
import snapshot_restore_py
spec = importlib.util.spec_from_file_location("handler", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
loaded_at_import = sorted(sys.modules)
for hook, args, kwargs in reversed(snapshot_restore_py.get_before_snapshot()):
    hook(*args, **kwargs)
from tradai.adapters.aws_clients import prime_clients
unbuilt = prime_clients()  # the lazy clients still waiting for their first use
print(json.dumps({"import": loaded_at_import, "primed": sorted(sys.modules), "unbuilt": unbuilt}))
"""
    environment = os.environ | LAMBDA_ENVIRONMENT | SNAP_START
    environment |= {"AWS_ACCESS_KEY_ID": "primer", "AWS_SECRET_ACCESS_KEY": "primer"}

    # When
    output = subprocess.run(
        [sys.executable, "-c", code, str(ROOT / "functions" / "catalog" / "handler.py")],
        capture_output=True,
        text=True,
        check=True,
        env=environment,
    )
    modules = json.loads(output.stdout.strip().splitlines()[-1])

    # Then: the AWS SDK, the X-Ray SDK and the adapters are in the snapshot, not loaded at import...
    first_request_needs = {"boto3", "botocore.client", "aws_xray_sdk.core", "tradai.adapters.dynamo_store"}
    assert first_request_needs <= set(modules["primed"])
    assert not first_request_needs & set(modules["import"])
    # ...while the clients themselves are built after the restore (fresh credentials and connections)
    assert modules["unbuilt"] >= 2
    # ...and priming needs nothing the zip functions' layer lacks
    not_in_the_layer = {"numpy", "pandas", "numba", "arcticdb", "ccxt", "mlflow"}
    assert not not_in_the_layer & set(modules["primed"])
