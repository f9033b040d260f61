"""The Lambda layer ships bytecode for the runtime's Python, valid whatever mtimes its files get.

Lambda mounts the layer read-only, so a module without usable bytecode is compiled at every cold
start. These tests build a layer folder (the pip install faked, the compile real with the running
interpreter standing in for the runtime's), give every source a new mtime as a zip extraction may,
and import it in a fresh interpreter that cannot write bytecode, as in Lambda.
"""

from __future__ import annotations

import compileall
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from cdk.layer_build import LAMBDA_LAYER_PYTHON, LayerBuildError, Runner, compile_command, prepare_layer

RUNNING = f"{sys.version_info.major}.{sys.version_info.minor}"
TAG = sys.implementation.cache_tag

_IMPORT_AND_REPORT_COMPILES = """
import importlib.machinery, json, sys
compiled = []
source_to_code = importlib.machinery.SourceFileLoader.source_to_code
def recording(self, data, path, **kwargs):
    compiled.append(path)
    return source_to_code(self, data, path, **kwargs)
importlib.machinery.SourceFileLoader.source_to_code = recording
import probe.rules
print(json.dumps({"compiled": compiled, "answer": probe.rules.ANSWER}))
"""


def _package(root: Path) -> Path:
    package = root / "src" / "probe"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text('"""A stand-in for tradai."""\n')
    kinds = "{'limit', 'market', 'stop', 'stop_limit', 'trailing'}"
    (package / "rules.py").write_text(f"ANSWER = 42\nKINDS = {kinds}\n")
    return package


def _compile_only(command: Sequence[str]) -> None:
    """Run the compile commands for real; skip the pip install (no network, no aarch64 wheels)."""
    if "compileall" in command:
        subprocess.run(command, check=True)


def _prepare(
    root: Path,
    package: Path,
    run: Runner,
    interpreter: str | None,
    *,
    version: str = "3.12",
    require_bytecode: bool = False,
) -> Path:
    """Prepare a layer of `package` under `root`, bytecode for `version` compiled by `interpreter`."""
    requirements = root / "requirements.txt"
    if not requirements.exists():
        requirements.write_text("pydantic==2.0\n")
    return prepare_layer(
        staging_root=root / "staging",
        package_source=package,
        requirements=requirements,
        run=run,
        python_version=version,
        find_interpreter=lambda version: interpreter,
        require_bytecode=require_bytecode,
    )


def _build(root: Path, package: Path) -> Path:
    """A layer compiled for real by the running interpreter; its `python/` folder."""
    return _prepare(root, package, _compile_only, sys.executable, version=RUNNING) / "python"


def _age_sources(folder: Path) -> None:
    """New mtimes for every source, as extracting the layer's zip may give them."""
    for source in folder.rglob("*.py"):
        stat = source.stat()
        os.utime(source, (stat.st_atime + 3600, stat.st_mtime + 3600))


def _import_in_lambda_like_process(python_dir: Path) -> dict[str, object]:
    environment = os.environ | {"PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(python_dir)}
    environment.pop("PYTHONPYCACHEPREFIX", None)
    output = subprocess.run(
        [sys.executable, "-c", _IMPORT_AND_REPORT_COMPILES],
        capture_output=True,
        text=True,
        check=True,
        env=environment,
        cwd=python_dir.parent,
    )
    result: dict[str, object] = json.loads(output.stdout)
    return result


def test_given_a_built_layer_when_its_sources_get_new_mtimes_then_imports_load_the_bytecode(
    tmp_path: Path,
) -> None:
    # Given: a layer built with bytecode, then every source touched
    python_dir = _build(tmp_path, _package(tmp_path))
    _age_sources(python_dir)

    # When: a fresh interpreter that cannot write bytecode imports the package
    result = _import_in_lambda_like_process(python_dir)

    # Then: nothing was compiled, the .pyc files were used as they are
    assert result == {"compiled": [], "answer": 42}
    assert (python_dir / "probe" / "__pycache__" / f"rules.{TAG}.pyc").exists()


def test_given_timestamp_bytecode_when_sources_get_new_mtimes_then_it_is_stale_and_compiled_again(
    tmp_path: Path,
) -> None:
    # Given: the default kind of .pyc (source mtime recorded), then every source touched
    python_dir = _package(tmp_path).parent
    assert compileall.compile_dir(python_dir, quiet=1)
    _age_sources(python_dir)

    # When
    result = _import_in_lambda_like_process(python_dir)

    # Then: why the layer uses unchecked-hash .pyc files: these would be compiled at every cold start
    compiled = result["compiled"]
    assert isinstance(compiled, list)
    assert sorted(Path(path).name for path in compiled) == ["__init__.py", "rules.py"]


def test_given_the_same_package_when_built_twice_then_the_bytecode_is_byte_for_byte_the_same(
    tmp_path: Path,
) -> None:
    # Given: two builds of one package in two folders (a frozenset constant's order depends on the
    # hash seed, and code objects name their source file)
    first = _build(tmp_path / "first", _package(tmp_path / "first"))
    second = _build(tmp_path / "second", _package(tmp_path / "second"))

    # When
    pyc = Path("probe") / "__pycache__" / f"rules.{TAG}.pyc"

    # Then: an unchanged package gives an unchanged layer asset, so no new layer version
    assert (first / pyc).read_bytes() == (second / pyc).read_bytes()


def test_given_an_interpreter_of_the_runtime_when_preparing_twice_then_wheels_compile_once(
    tmp_path: Path,
) -> None:
    # Given: an installer and compiler that record their commands
    package = _package(tmp_path)
    calls: list[Sequence[str]] = []

    # When
    layer = _prepare(tmp_path, package, calls.append, "/usr/bin/python3.12")
    _prepare(tmp_path, package, calls.append, "/usr/bin/python3.12")

    # Then: install, compile everything; then the fresh package copy only, by the 3.12 interpreter
    python_dir = layer / "python"
    assert calls[1:] == [
        compile_command("/usr/bin/python3.12", python_dir, LAMBDA_LAYER_PYTHON),
        compile_command("/usr/bin/python3.12", python_dir / "probe", LAMBDA_LAYER_PYTHON / "probe"),
    ]
    assert "--invalidation-mode" in calls[1]
    assert calls[1][calls[1].index("--invalidation-mode") + 1] == "unchecked-hash"


def test_given_no_interpreter_of_the_runtime_when_preparing_then_source_ships_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given: only other Pythons here
    package = _package(tmp_path)

    # When
    _prepare(tmp_path, package, lambda command: None, None)

    # Then
    assert "no python3.12 is on PATH, so the layer ships no bytecode" in capsys.readouterr().err


def test_given_no_interpreter_and_bytecode_required_when_preparing_then_the_build_is_refused(
    tmp_path: Path,
) -> None:
    # Given: only other Pythons here
    package = _package(tmp_path)

    # When / Then: `make deploy` asks for it, so a deployed layer never lacks bytecode unnoticed
    with pytest.raises(LayerBuildError, match=r"Lambda runtime is Python 3\.12"):
        _prepare(tmp_path, package, lambda command: None, None, require_bytecode=True)


def test_given_bytecode_of_another_python_in_the_wheels_when_preparing_then_it_is_dropped(
    tmp_path: Path,
) -> None:
    # Given: a wheel folder holding .pyc of another Python (a local import of the folder wrote it)
    python_dir = _build(tmp_path, _package(tmp_path))
    stray = python_dir / "six" / "__pycache__" / "six.cpython-39.pyc"
    stray.parent.mkdir(parents=True)
    stray.write_bytes(b"old")

    # When
    _build(tmp_path, tmp_path / "src" / "probe")

    # Then
    assert not stray.exists()
    assert (python_dir / "probe" / "__pycache__" / f"rules.{TAG}.pyc").exists()
