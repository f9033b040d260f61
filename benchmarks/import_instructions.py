"""Instructions each Lambda handler's import executes, as a ratio to `import fastapi` (deterministic).

CPU time on a shared machine drifts with the neighbours' load; instruction counts do not, so this is
the figure to compare two versions by (`benchmarks/cold_import.py` stays the verdict, in CPU time).
Each body runs under `valgrind --tool=cachegrind --cache-sim=no` in bytecode mode, as the layer ships
it (`cold_import.compile_like_the_layer`); an interpreter that only imports importlib is subtracted.
CPU-time ratios have come out at about 1 + 1.4x the instruction excess on this machine.

Run: `.venv/bin/python benchmarks/import_instructions.py [handler ...]` (default: every HTTP handler;
~10 s per handler on 2 cores). Needs valgrind.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from cold_import import _LOAD_HANDLER, HEAVY, ROOT, _environment, compile_like_the_layer

BASELINE = "import importlib.util, sys"


def instructions(body: str, pycache: Path) -> int:
    """Instructions a fresh interpreter executes running `body` (bytecode from `pycache`)."""
    command = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"]
    result = subprocess.run(
        [*command, sys.executable, "-c", body],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=_environment(pycache) | {"PYTHONHASHSEED": "0"},
    )
    found = re.search(r"I\s+refs:\s+([\d,]+)", result.stderr)
    if found is None:
        raise RuntimeError(f"no instruction count in valgrind's output:\n{result.stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("handlers", nargs="*", help="function folders (default: every HTTP handler)")
    arguments = parser.parse_args(argv)
    paths = sorted(ROOT.glob("functions/*/handler.py"))
    handlers = arguments.handlers or [p.parent.name for p in paths if "http_handler" in p.read_text()]
    bodies = {"baseline": BASELINE, "import fastapi": f"{BASELINE}\nimport fastapi"}
    for name in handlers:
        path = ROOT / "functions" / name / "handler.py"
        bodies[name] = f"{BASELINE}\n" + _LOAD_HANDLER.format(path=str(path), forbidden=HEAVY)
    with tempfile.TemporaryDirectory() as scratch:
        pycache = Path(scratch)
        compile_like_the_layer(bodies, pycache)
        with ThreadPoolExecutor(max_workers=2) as pool:
            counts = dict(
                zip(bodies, pool.map(lambda body: instructions(body, pycache), bodies.values()), strict=True)
            )
    baseline = counts.pop("baseline")
    fastapi = counts["import fastapi"] - baseline
    for name, count in counts.items():
        print(f"{name:<24} {(count - baseline) / 1e6:8.0f}M  {(count - baseline) / fastapi:5.3f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
