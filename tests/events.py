"""One loader for the sample events in `events/`, shared by tests and documented for `sam local invoke`."""

from __future__ import annotations

import importlib.util
import json
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


def loaded_at_cold_start(function: str, modules: tuple[str, ...]) -> list[str]:
    """Which of `modules` loading `functions/<function>/handler.py` imports, in a fresh interpreter."""
    code = (
        f"import sys, runpy; runpy.run_path(sys.argv[1]); print([m for m in {modules} if m in sys.modules])"
    )
    handler = ROOT / "functions" / function / "handler.py"
    output = subprocess.run(
        [sys.executable, "-c", code, str(handler)], capture_output=True, text=True, check=True
    )
    loaded: list[str] = json.loads(output.stdout.strip().replace("'", '"'))
    return loaded


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
