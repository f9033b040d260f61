"""B7: every `/mlflow/api/2.0/mlflow/*` call answered 404 behind the ALB; only the UI worked.

MLflow 3 moves its REST API under `--static-prefix` too, so the ALB must forward the prefix
unchanged. Here the ALB rule and health check use the prefix MLflow is started with, and every
REST route MLflow itself registers under that prefix (read from the installed MLflow, the image's
major version) matches the rule.
"""

from __future__ import annotations

import fnmatch
import os
import re
import subprocess
import sys
from importlib import metadata

import pytest

pytest.importorskip("aws_cdk", reason="the cdk dependency group is not installed (make cdk-setup)")
from cdk.constructs.mlflow_service import MLFLOW_IMAGE_DIR

from tests.cdk_synth import Synthesized
from tests.infrastructure.test_compute import _mlflow_command, _option

pytestmark = pytest.mark.slow


def test_b7_given_mlflow_command_when_synthesized_then_alb_rule_and_health_check_use_its_prefix(
    dev: Synthesized,
) -> None:
    # Given: the prefix MLflow is started with
    prefix = _option(_mlflow_command(dev), "--static-prefix")

    # When
    rule = dev.only("compute", "AWS::ElasticLoadBalancingV2::ListenerRule")
    target_group = dev.only("compute", "AWS::ElasticLoadBalancingV2::TargetGroup")

    # Then: the ALB forwards the prefix unchanged (no rewrite) and checks MLflow's own health route
    (condition,) = rule["Conditions"]
    assert condition["PathPatternConfig"]["Values"] == [prefix, f"{prefix}/*"]
    assert [action["Type"] for action in rule["Actions"]] == ["forward"]
    assert target_group["HealthCheckPath"] == f"{prefix}/health"
    assert str(target_group["Port"]) == _option(_mlflow_command(dev), "--port") == "5000"


def test_b7_given_mlflow_routes_with_the_prefix_when_matched_against_the_alb_rule_then_ui_and_rest_api_pass(
    dev: Synthesized,
) -> None:
    # Given: MLflow's own route table as `mlflow server --static-prefix P` builds it (the CLI hands the
    # prefix to the app as _MLFLOW_STATIC_PREFIX); bug B7 was a REST API the ALB never forwarded
    pytest.importorskip("mlflow.server", reason="mlflow's server module is not installed")
    prefix = _option(_mlflow_command(dev), "--static-prefix")
    script = "from mlflow.server import app; print('\\n'.join(r.rule for r in app.url_map.iter_rules()))"
    result = subprocess.run(
        [sys.executable, "-c", script],
        env=os.environ | {"_MLFLOW_STATIC_PREFIX": prefix},
        capture_output=True,
        text=True,
        check=True,
    )
    routes = result.stdout.split()
    rule = dev.only("compute", "AWS::ElasticLoadBalancingV2::ListenerRule")
    (condition,) = rule["Conditions"]
    patterns = condition["PathPatternConfig"]["Values"]

    # When
    api_routes = [route for route in routes if re.search(r"/(ajax-)?api/\d\.0/", route)]
    unforwarded = [route for route in api_routes if not any(fnmatch.fnmatch(route, p) for p in patterns)]

    # Then
    assert f"{prefix}/api/2.0/mlflow/experiments/search" in api_routes
    assert f"{prefix}/health" in routes
    assert unforwarded == []


def test_b7_given_mlflow_image_when_built_then_it_pins_the_mlflow_major_version_the_tests_check() -> None:
    # Given
    dockerfile = (MLFLOW_IMAGE_DIR / "Dockerfile").read_text()

    # When
    (pinned,) = re.findall(r"ARG MLFLOW_VERSION=(\S+)", dockerfile)

    # Then: the routing test below runs the installed MLflow; it must be the image's major version
    installed = metadata.version("mlflow-skinny")
    assert pinned.split(".")[0] == installed.split(".")[0] == "3"
