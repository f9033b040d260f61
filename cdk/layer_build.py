"""Prepare the Lambda layer folder without Docker: the `tradai` package plus its wheels for Lambda.

`make synth` (and `cdk synth` through cdk/app.py) calls `prepare_layer()`: the third-party packages of
layers/deps/requirements.txt are installed once per requirements fingerprint, as manylinux aarch64
wheels for CPython 3.12 (`--only-binary=:all:`, so nothing is compiled for the wrong platform); the
package source is copied fresh on every call. Run `python -m cdk.layer_build` to prepare it by hand.

The layer also ships bytecode for the runtime's Python. Lambda mounts layers read-only under /opt,
so without it every cold start compiles all the source it imports (FastAPI alone: ~2.6x the
instructions of loading its bytecode, benchmarks/cold_import.py). The .pyc files are PEP 552
unchecked-hash ones: a zip does not keep mtimes exactly, and a timestamp .pyc whose recorded mtime
differs from the extracted source's is stale, compiled again at each cold start. Bytecode is only
valid for one Python minor version, so it is compiled by an interpreter of LAYER_PYTHON_VERSION (this
one, or `python3.12` on PATH); without one the layer ships source only, with a warning, or
`require_bytecode` (`-c layer_bytecode=required`, which `make deploy` passes) refuses to build it.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path, PurePosixPath

from cdk.constants import LAYER_PLATFORM, LAYER_PYTHON_VERSION

REPO_ROOT = Path(__file__).resolve().parent.parent
PACKAGE_SOURCE = REPO_ROOT / "layers" / "tradai" / "python" / "tradai"
REQUIREMENTS = REPO_ROOT / "layers" / "deps" / "requirements.txt"
STAGING_ROOT = REPO_ROOT / "build" / "layer"
_INSTALLED_MARKER = ".deps-installed"
_DEPS_BYTECODE_MARKER = ".deps-bytecode"
LAMBDA_LAYER_PYTHON = PurePosixPath("/opt/python")
"""Where Lambda mounts a layer's `python/` folder (on sys.path)."""

Runner = Callable[[Sequence[str]], None]
InterpreterFinder = Callable[[str], str | None]


class LayerBuildError(RuntimeError):
    """The layer cannot be built as asked (no interpreter to compile its bytecode with)."""


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


def bytecode_interpreter(version: str) -> str | None:
    """An interpreter of Python `version` ("3.12"): the running one, else `python3.12` on PATH."""
    if f"{sys.version_info.major}.{sys.version_info.minor}" == version:
        return sys.executable
    return shutil.which(f"python{version}")


def compile_command(python: str, folder: Path, lambda_folder: PurePosixPath) -> list[str]:
    """Compile every module under `folder` into unchecked-hash .pyc files, the same bytes every time.

    The code objects name their files under `lambda_folder` (where Lambda finds them) rather than
    this checkout, and a fixed hash seed keeps the order of frozenset constants: an unchanged
    package gives an unchanged layer asset wherever it is built (no new layer version, no new
    function versions on a redeploy).
    """
    return [
        "env", "PYTHONHASHSEED=0", python, "-m", "compileall", "-q", "-j", "0",
        "--invalidation-mode", "unchecked-hash", "-d", str(lambda_folder), str(folder),
    ]  # fmt: skip


def _cache_tag(version: str) -> str:
    return "cpython-" + version.replace(".", "")


def _remove_foreign_bytecode(python_dir: Path, version: str) -> None:
    """Drop .pyc of other Pythons (a local import of the folder): dead weight in the layer zip."""
    keep = f".{_cache_tag(version)}."
    for pyc in python_dir.rglob("__pycache__/*.pyc"):
        if keep not in pyc.name:
            pyc.unlink()


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
    python_version: str = LAYER_PYTHON_VERSION,
    find_interpreter: InterpreterFinder = bytecode_interpreter,
    require_bytecode: bool = False,
) -> Path:
    """Fill and return the layer folder (its `python/` holds `tradai` and the wheels).

    Args:
        staging_root: Where prepared layers are kept, one folder per requirements fingerprint.
        package_source: The `tradai` package folder to copy.
        requirements: Pinned third-party requirements (`make layer-deps` writes them).
        run: Runs the install and compile commands; tests pass a fake.
        python_version: The Lambda runtime's Python, which the bytecode is compiled for.
        find_interpreter: Finds an interpreter of that version (None: there is none here).
        require_bytecode: Raise LayerBuildError instead of shipping source only.
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
    _compile_bytecode(layer_dir, package_source.name, python_version, find_interpreter, run, require_bytecode)
    return layer_dir


def _compile_bytecode(
    layer_dir: Path,
    package: str,
    version: str,
    find_interpreter: InterpreterFinder,
    run: Runner,
    required: bool,
) -> None:
    """Compile the wheels once per install and the package on every call, for Python `version`."""
    python_dir = layer_dir / "python"
    python = find_interpreter(version)
    if python is None:
        running = f"{sys.version_info.major}.{sys.version_info.minor}"
        message = (
            f"the Lambda runtime is Python {version} but this build runs {running} and no python{version}"
            " is on PATH, so the layer ships no bytecode: every cold start compiles the source it imports"
            f" (about twice the import time). `uv python install {version}` puts one on PATH."
        )
        if required:
            raise LayerBuildError(message)
        print(f"warning: {message}", file=sys.stderr)
        return
    deps_marker = layer_dir / _DEPS_BYTECODE_MARKER
    if deps_marker.exists():
        run(compile_command(python, python_dir / package, LAMBDA_LAYER_PYTHON / package))
    else:
        run(compile_command(python, python_dir, LAMBDA_LAYER_PYTHON))
        deps_marker.touch()
    _remove_foreign_bytecode(python_dir, version)


if __name__ == "__main__":
    print(prepare_layer(require_bytecode="--require-bytecode" in sys.argv[1:]))
