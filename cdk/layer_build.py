"""Prepare the Lambda layer folder without Docker: the `tradai` package plus its wheels for Lambda.

`make synth` (and `cdk synth` through cdk/app.py) calls `prepare_layer()`: the third-party packages of
layers/deps/requirements.txt are installed once per requirements fingerprint, as manylinux aarch64
wheels for CPython 3.12 (`--only-binary=:all:`, so nothing is compiled for the wrong platform); the
package source is copied fresh on every call. Run `python -m cdk.layer_build` to prepare it by hand.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from cdk.constants import LAYER_PLATFORM, LAYER_PYTHON_VERSION

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_SOURCE = REPO_ROOT / "layers" / "tradai" / "python" / "tradai"
REQUIREMENTS = REPO_ROOT / "layers" / "deps" / "requirements.txt"
STAGING_ROOT = REPO_ROOT / "build" / "layer"
_INSTALLED_MARKER = ".deps-installed"

Runner = Callable[[Sequence[str]], None]


def install_command(requirements: Path, target: Path) -> list[str]:
    """The pip command installing `requirements` into `target` as Lambda-platform wheels.

    pip comes from the `cdk` dependency group; `--only-binary=:all:` with `--platform` makes it
    fetch manylinux aarch64 wheels for CPython 3.12 whatever the machine running the synth is.
    """
    return [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
        "--no-compile", "--only-binary=:all:", "--platform", LAYER_PLATFORM, "--implementation", "cp",
        "--python-version", LAYER_PYTHON_VERSION, "--target", str(target), "-r", str(requirements),
    ]  # fmt: skip


def _run(command: Sequence[str]) -> None:
    subprocess.run(command, check=True)  # noqa: S603 - a fixed installer command, no shell


def fingerprint(requirements: Path) -> str:
    """Identify one set of installed wheels: the pinned requirements and the target platform."""
    digest = hashlib.sha256(requirements.read_bytes())
    digest.update(f"{LAYER_PLATFORM}/{LAYER_PYTHON_VERSION}".encode())
    return digest.hexdigest()[:16]


def prepare_layer(
    *,
    staging_root: Path = STAGING_ROOT,
    package_source: Path = PACKAGE_SOURCE,
    requirements: Path = REQUIREMENTS,
    run: Runner = _run,
) -> Path:
    """Fill and return the layer folder (its `python/` holds `tradai` and the wheels).

    Args:
        staging_root: Where prepared layers are kept, one folder per requirements fingerprint.
        package_source: The `tradai` package folder to copy.
        requirements: Pinned third-party requirements (`make layer-deps` writes them).
        run: Runs the install command; tests pass a fake.
    """
    layer_dir = staging_root / fingerprint(requirements)
    python_dir = layer_dir / "python"
    marker = layer_dir / _INSTALLED_MARKER
    if not marker.exists():
        shutil.rmtree(layer_dir, ignore_errors=True)
        python_dir.mkdir(parents=True)
        run(install_command(requirements, python_dir))
        marker.touch()
    shutil.rmtree(python_dir / package_source.name, ignore_errors=True)
    shutil.copytree(
        package_source,
        python_dir / package_source.name,
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
    )
    return layer_dir


if __name__ == "__main__":
    print(prepare_layer())
