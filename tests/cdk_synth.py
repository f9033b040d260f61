"""Synthesize the CDK app once per test run (dev, and prod for its own checks) and share the templates.

The fixtures are registered in tests/conftest.py, so tests/infrastructure and tests/regressions
share one synthesis per environment.

The Lambda layer folder is a stub (the real one needs PyPI wheels: `make layer`), so the tests run
offline and quickly; everything else is the app exactly as `cdk synth` builds it.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from aws_cdk import assertions

REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Synthesized:
    """One environment's cloud assembly: a Template per stack and the cdk-nag validation report."""

    outdir: Path
    stack_names: dict[str, str]
    """Short name (`persistent`) -> CloudFormation stack name (`tradai-persistent-dev`)."""
    templates: dict[str, assertions.Template]
    template_paths: dict[str, Path]
    validation_report: dict[str, Any]

    def resources(self, stack: str, resource_type: str) -> dict[str, dict[str, Any]]:
        """The resources of one type in one stack, by logical id."""
        found: dict[str, dict[str, Any]] = self.templates[stack].find_resources(resource_type)
        return found

    def only(self, stack: str, resource_type: str) -> dict[str, Any]:
        """The properties of the one resource of a type in a stack (fails if there are more)."""
        found = self.resources(stack, resource_type)
        assert len(found) == 1, sorted(found)
        properties: dict[str, Any] = next(iter(found.values()))["Properties"]
        return properties


def _synthesize(environment: str, workdir: Path, overrides: Mapping[str, Any] | None = None) -> Path:
    """Synthesize one environment into `workdir`; returns its cloud assembly folder.

    `overrides` replace keys of the environment's cdk.json block (e.g. `{"live_trading": True}`).
    """
    # Imported here: the test modules skip themselves when the cdk group is absent, this module cannot.
    from cdk.application import build_app
    from cdk.constants import CONTEXT_ENVIRONMENT, CONTEXT_LAYER_DIR

    layer_dir = workdir / "layer"
    (layer_dir / "python" / "tradai").mkdir(parents=True)
    (layer_dir / "python" / "tradai" / "__init__.py").write_text(
        '"""Stub layer of the infrastructure tests."""\n'
    )
    context = json.loads((REPO_ROOT / "cdk.json").read_text())["context"]
    context["environments"][environment] |= dict(overrides or {})
    context |= {CONTEXT_ENVIRONMENT: environment, CONTEXT_LAYER_DIR: str(layer_dir)}
    outdir = workdir / "cdk.out"
    build_app(context, outdir=str(outdir)).synth()
    return outdir


def _read(outdir: Path) -> Synthesized:
    """The templates and cdk-nag report of a synthesized cloud assembly."""
    from aws_cdk import assertions, cx_api
    from cdk.constants import STACKS

    stacks = {stack.stack_name.split("-")[1]: stack for stack in cx_api.CloudAssembly(str(outdir)).stacks}
    assert sorted(stacks) == sorted(STACKS)
    paths = {name: Path(stack.template_full_path) for name, stack in stacks.items()}
    return Synthesized(
        outdir=outdir,
        stack_names={name: stack.stack_name for name, stack in stacks.items()},
        templates={
            name: assertions.Template.from_json(json.loads(path.read_text())) for name, path in paths.items()
        },
        template_paths=paths,
        validation_report=json.loads((outdir / "validation-report.json").read_text()),
    )


def synthesize_variant(environment: str, workdir: Path, **overrides: Any) -> Synthesized:
    """One environment with some of its cdk.json settings changed, synthesized afresh into `workdir`."""
    return _read(_synthesize(environment, workdir, overrides))


def _synthesized_once(environment: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The environment's cloud assembly, synthesized once per test run.

    Under pytest-xdist every worker has its own session, so the first worker to ask synthesizes into
    the run's shared temp folder (under a lock) and the others read what it wrote.
    """
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return _synthesize(environment, tmp_path_factory.mktemp(f"cdk-{environment}"))
    shared = tmp_path_factory.getbasetemp().parent / f"cdk-{environment}"
    with (shared.parent / f"cdk-{environment}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / "done").exists():
            shutil.rmtree(shared, ignore_errors=True)  # what a worker that failed half-way left
            shared.mkdir()
            _synthesize(environment, shared)
            (shared / "done").touch()
    return shared / "cdk.out"


@pytest.fixture(scope="session")
def synthesize(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Synthesized]:
    """Synthesize an environment on first use; later calls reuse the assembly."""
    cache: dict[str, Synthesized] = {}

    def get(environment: str) -> Synthesized:
        if environment not in cache:
            cache[environment] = _read(_synthesized_once(environment, tmp_path_factory))
        return cache[environment]

    return get


@pytest.fixture(scope="session")
def dev(synthesize: Callable[[str], Synthesized]) -> Synthesized:
    """The dev environment, as `make synth` builds it."""
    return synthesize("dev")


@pytest.fixture(scope="session")
def prod(synthesize: Callable[[str], Synthesized]) -> Synthesized:
    """The prod environment (retained data, MFA required, explicit CORS origins)."""
    return synthesize("prod")
