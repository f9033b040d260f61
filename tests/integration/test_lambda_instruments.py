"""Every Lambda handler runs inside the Powertools instruments: metrics flushed, a traced invocation."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_lambda_powertools.metrics.provider import cold_start

from tests.events import FakeLambdaContext, load_event, load_handler
from tests.integration.conftest import create_resources
from tradai import lambda_events


def emitted_metrics(output: str) -> dict[str, Any]:
    """Metric name -> value from the Embedded Metric Format lines a handler printed."""
    found: dict[str, Any] = {}
    for line in output.splitlines():
        if line.startswith("{") and "_aws" in line:
            blob = json.loads(line)
            for directive in blob["_aws"]["CloudWatchMetrics"]:
                for metric in directive["Metrics"]:
                    value = blob[metric["Name"]]
                    found[metric["Name"]] = value if isinstance(value, list) else [value]
    return found


@pytest.mark.parametrize(
    ("function", "event"),
    [("health", "health/get_health"), ("ws_disconnect", "ws_disconnect/disconnect")],
)
def test_given_a_cold_handler_when_invoked_then_cold_start_metric_and_a_tracer_segment(
    aws_env: None, capsys: pytest.CaptureFixture[str], function: str, event: str
) -> None:
    # Given
    create_resources()
    cold_start.is_cold_start = True
    lambda_events.tracer.cache_clear()

    # When
    load_handler(function).lambda_handler(load_event(event), FakeLambdaContext())

    # Then: the cold start is counted, and the tracer exists only now (built on the first call)
    assert emitted_metrics(capsys.readouterr().out)["ColdStart"] == [1.0]
    assert lambda_events.tracer.cache_info().currsize == 1
