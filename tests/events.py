"""One loader for the sample events in `events/`, shared by tests and documented for `sam local invoke`."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def load_event(name: str) -> dict[str, Any]:
    """Load `events/<name>.json`, e.g. ``load_event("health/get_health")``."""
    event: dict[str, Any] = json.loads((ROOT / "events" / f"{name}.json").read_text())
    return event


def load_handler(function: str) -> ModuleType:
    """Import `functions/<function>/handler.py` fresh, as Lambda would on a cold start."""
    path = ROOT / "functions" / function / "handler.py"
    spec = importlib.util.spec_from_file_location(f"lambda_{function}_handler", path)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


LAMBDA_ENVIRONMENT = {
    "TRADAI_RUNTIME": "aws",
    "TRADAI_TABLE_NAME": "tradai-test",
    "TRADAI_ARTIFACTS_BUCKET": "tradai-artifacts-test",
    "TRADAI_AWS_REGION": "eu-central-1",
    "TRADAI_WEBSOCKET_URL": "wss://ws.example.com/dev",
    "AWS_DEFAULT_REGION": "eu-central-1",
}
"""The settings a deployed function gets (no credentials: loading a handler must call nothing)."""


def modules_at_cold_start(function: str) -> frozenset[str]:
    """The modules loading `functions/<function>/handler.py` imports, in a fresh interpreter as in Lambda."""
    code = "import json, runpy, sys; runpy.run_path(sys.argv[1]); print(json.dumps(sorted(sys.modules)))"
    handler = ROOT / "functions" / function / "handler.py"
    output = subprocess.run(
        [sys.executable, "-c", code, str(handler)],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ | LAMBDA_ENVIRONMENT,
        cwd=handler.parent,  # Lambda's working directory is the function's code: no .env file there
    )
    return frozenset(json.loads(output.stdout.strip().splitlines()[-1]))


@dataclass
class FakeLambdaContext:
    """The attributes of a Lambda context that Powertools reads."""

    function_name: str = "tradai-health"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:eu-central-1:123456789012:function:tradai-health"
    aws_request_id: str = "52fdfc07-2182-154f-163f-5f0f9a621d72"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000
