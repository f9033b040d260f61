"""The worker image's Dockerfile, read for its essentials (no Docker daemon here to build it)."""

from __future__ import annotations

import json
import re
import shlex

from typer.testing import CliRunner

from tests.events import ROOT
from tradai.cli import app

DOCKERFILE = ROOT / "containers" / "worker" / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            found.append((keyword.upper(), rest.strip()))
    return found


def runtime_stage() -> list[tuple[str, str]]:
    steps = instructions()
    start = max(i for i, (keyword, _) in enumerate(steps) if keyword == "FROM")
    return steps[start:]


def test_given_the_dockerfile_then_it_builds_on_python_312_slim() -> None:
    args = dict(rest.split("=", 1) for keyword, rest in instructions() if keyword == "ARG" and "=" in rest)
    images = [rest.split()[0] for keyword, rest in instructions() if keyword == "FROM"]
    assert args["PYTHON_VERSION"] == "3.12"
    assert images
    assert all(image == "python:${PYTHON_VERSION}-slim" for image in images)


def test_given_the_dockerfile_then_it_installs_the_locked_local_extra_without_dev_tools() -> None:
    runs = " ".join(rest for keyword, rest in instructions() if keyword == "RUN")
    assert "uv sync --locked --no-dev --extra local" in runs


def test_given_the_runtime_stage_then_non_root_with_numba_cache_warmed_and_worker_command() -> None:
    stage = runtime_stage()
    users = [rest for keyword, rest in stage if keyword == "USER"]
    assert users
    assert users[-1] not in {"root", "0"}
    env = " ".join(rest for keyword, rest in stage if keyword == "ENV")
    assert "NUMBA_CACHE_DIR=" in env
    assert "TRADAI_RUNTIME=aws" in env
    warm = [rest for keyword, rest in stage if keyword == "RUN" and "engine_warmup" in rest]
    assert warm, "numba kernels are compiled into the image"
    # The whole command comes from the task definition or the RunTask override, not an entrypoint.
    assert not [rest for keyword, rest in stage if keyword == "ENTRYPOINT"]
    commands = [json.loads(rest) for keyword, rest in stage if keyword == "CMD"]
    assert commands[-1][:2] == ["tradai", "worker"]


def test_given_the_copies_then_their_sources_exist_and_the_docker_context_keeps_them() -> None:
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    kept = {line[1:].rstrip("/") for line in ignored if line.startswith("!")}
    for keyword, rest in instructions():
        if keyword == "COPY" and "--from" not in rest:
            *sources, _ = shlex.split(rest)
            for source in sources:
                assert (ROOT / source).exists(), source
                assert any(source == k or source.startswith(k + "/") for k in kept), source


def test_given_the_state_machines_command_then_the_worker_backtest_command_exists() -> None:
    result = CliRunner().invoke(app, ["worker", "backtest", "--help"])
    assert result.exit_code == 0
    assert "--job-id" in result.output
    assert "--chunk" in result.output
