"""`cdk/app.py` run as a script, as the CDK CLI runs it (cdk.json's `app`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("aws_cdk", reason="the cdk dependency group is not installed (make cdk-setup)")

from cdk.constants import CONTEXT_LAYER_DIR, STACKS

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_given_cli_environment_when_app_runs_as_a_script_then_every_stack_is_synthesized(
    tmp_path: Path,
) -> None:
    # Given: what the CDK CLI hands the app: context and output folder through the environment
    layer_dir = tmp_path / "layer" / "python" / "tradai"
    layer_dir.mkdir(parents=True)
    (layer_dir / "__init__.py").write_text("")
    context = json.loads((REPO_ROOT / "cdk.json").read_text())["context"]
    context[CONTEXT_LAYER_DIR] = str(tmp_path / "layer")
    environment = os.environ | {
        "CDK_CONTEXT_JSON": json.dumps(context),
        "CDK_OUTDIR": str(tmp_path / "cdk.out"),
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "20",
    }

    # When: from the repository root, with cdk/ first on sys.path as Python puts it for a script
    result = subprocess.run(
        [sys.executable, "cdk/app.py"],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )

    # Then
    assert result.returncode == 0, result.stderr[-3000:]
    templates = sorted(path.name for path in (tmp_path / "cdk.out").glob("*.template.json"))
    assert templates == sorted(f"{stack.title()}.template.json" for stack in STACKS)
