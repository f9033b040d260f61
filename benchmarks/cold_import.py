"""Cold import time of every Lambda handler, each in a fresh interpreter (median of 7 rounds).

Budget: 600 ms per handler on the reference machine, where FastAPI's own import is ~400 ms, so a
handler may add 200 ms of its own. The machine here is shared and noisy, so the same run also times
a bare `import fastapi` and judges each handler by its overhead beyond it, scaled by how much slower
than 400 ms FastAPI was in this run. It also times the smallest real peer, a FastAPI app with one
pydantic-model route behind Mangum (whose route registration imports `pydantic.v1`, which TradAI's
handlers skip: tradai.api.fastapi_compat).

Two modes, interleaved in each round:
- bytecode, as in Lambda: the layer ships unchecked-hash .pyc files (cdk/layer_build.py), so every
  module that the bodies load is compiled that way first, into a scratch `PYTHONPYCACHEPREFIX`
  (the venv is left alone), and the bodies load it without writing anything. This is the verdict.
- source: no bytecode anywhere, every import compiles its module, as a layer without bytecode
  (or a venv without .pyc under PYTHONDONTWRITEBYTECODE=1) would. Printed for comparison.
Times are CPU time of the child (user + system), which a neighbour's load disturbs far less than
wall time; the wall-time median is printed beside it.

Run: `make bench-imports` (or `.venv/bin/python benchmarks/cold_import.py [--mode bytecode]`).
"""

from __future__ import annotations

import argparse
import json
import os
import py_compile
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from importlib.util import cache_from_source
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 7
BUDGET_MS = 600.0
FASTAPI_REFERENCE_MS = 400.0

MODES = ("bytecode", "source")

_TIMER = """
import importlib.util, sys, time
started, cpu = time.perf_counter(), time.process_time()
{body}
print((time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000)
"""

_LIST_SOURCES = """
import importlib.util, json, sys
{body}
files = {{getattr(module, "__file__", None) or "" for module in list(sys.modules.values())}}
print(json.dumps(sorted(files)))
"""

_LOAD_HANDLER = """
spec = importlib.util.spec_from_file_location("handler", {path!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
heavy = [name for name in {forbidden!r} if name in sys.modules]
if heavy:
    raise SystemExit(f"heavy modules imported at load: {{heavy}}")
"""


HEAVY = ("numba", "pandas", "arcticdb", "ccxt", "mlflow", "boto3")
"""Never imported at load by any handler (tests/integration/test_cold_imports.py checks more)."""


@dataclass(frozen=True)
class Timing:
    """Medians of one body in one mode, in milliseconds."""

    cpu: float
    wall: float


def _environment(pycache: Path) -> dict[str, str]:
    """A deployed function's settings; bytecode only from `pycache`, never written."""
    return {
        **os.environ,
        "TRADAI_RUNTIME": "aws",
        "TRADAI_TABLE_NAME": "tradai-bench",
        "TRADAI_ARTIFACTS_BUCKET": "tradai-bench",
        "AWS_DEFAULT_REGION": "eu-central-1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPYCACHEPREFIX": str(pycache),
    }


def _run(code: str, pycache: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=_environment(pycache),
        cwd=ROOT,
    )
    return result.stdout.strip().splitlines()[-1]


def compile_like_the_layer(bodies: dict[str, str], pycache: Path) -> int:
    """Compile every module the bodies load into `pycache`, as unchecked-hash .pyc like the layer's.

    Returns how many modules were compiled. The running interpreter compiles them (Lambda runs 3.12;
    the layer's own are compiled by one, see cdk/layer_build.py), and the venv's own folders stay as
    they are.
    """
    sources: set[str] = set()
    with tempfile.TemporaryDirectory() as empty:
        for body in bodies.values():
            sources |= set(json.loads(_run(_LIST_SOURCES.format(body=body), Path(empty))))
    modules = sorted(source for source in sources if source.endswith(".py"))
    previous, sys.pycache_prefix = sys.pycache_prefix, str(pycache)
    try:
        for source in modules:
            py_compile.compile(
                source,
                cfile=cache_from_source(source),
                doraise=True,
                invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
            )
    finally:
        sys.pycache_prefix = previous
    return len(modules)


def run_once(body: str, pycache: Path) -> tuple[float, float]:
    """Milliseconds (wall, CPU) `body` takes in a new interpreter reading bytecode from `pycache`."""
    wall, cpu = _run(_TIMER.format(body=body), pycache).split()
    return float(wall), float(cpu)


def medians(
    bodies: dict[str, str], pycaches: dict[str, Path], runs: int = RUNS
) -> dict[tuple[str, str], Timing]:
    """Medians per (mode, body) over `runs` rounds; each round interleaves every body in every mode,
    so a neighbour's load hits all alike."""
    samples: dict[tuple[str, str], list[tuple[float, float]]] = {
        (mode, name): [] for mode in pycaches for name in bodies
    }
    for _ in range(runs):
        for name, body in bodies.items():
            for mode, pycache in pycaches.items():
                samples[mode, name].append(run_once(body, pycache))
    return {
        key: Timing(
            cpu=statistics.median(cpu for _, cpu in values),
            wall=statistics.median(wall for wall, _ in values),
        )
        for key, values in samples.items()
    }


_MINIMAL_APP = """
import fastapi, mangum, pydantic
class Health(pydantic.BaseModel):
    status: str
app = fastapi.FastAPI()
@app.get("/health", response_model=Health)
def health() -> Health:
    return Health(status="ok")
handler = mangum.Mangum(app, lifespan="off")
"""


def report(mode: str, handlers: list[Path], timings: dict[tuple[str, str], Timing]) -> list[str]:
    """Print one mode's table; return the handlers over budget in it."""
    fastapi, minimal = timings[mode, "fastapi"], timings[mode, "minimal"]
    print(f"\n{mode}: ms CPU (median), ratio to `import fastapi`, wall-time median")
    print(f"{'peer: import fastapi':<34} {fastapi.cpu:7.0f}   1.00x   {fastapi.wall:7.0f} wall")
    print(
        f"{'peer: one-route FastAPI + Mangum':<34} {minimal.cpu:7.0f}   {minimal.cpu / fastapi.cpu:4.2f}x"
        f"   {minimal.wall:7.0f} wall"
    )
    # On a slower (shared) machine, scale the allowance by how slow FastAPI itself was.
    allowance = (BUDGET_MS - FASTAPI_REFERENCE_MS) * max(1.0, fastapi.cpu / FASTAPI_REFERENCE_MS)
    over_budget = []
    for handler in handlers:
        name = handler.parent.name
        timing = timings[mode, name]
        overhead = timing.cpu - fastapi.cpu
        print(
            f"{'handler: ' + name:<34} {timing.cpu:7.0f}   {timing.cpu / fastapi.cpu:4.2f}x"
            f"   {timing.wall:7.0f} wall   (+{overhead:.0f} ms of its own)"
        )
        if overhead > allowance:
            over_budget.append(f"{name} (+{overhead:.0f} ms > {allowance:.0f} ms)")
    return over_budget


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--mode", choices=(*MODES, "both"), default="both")
    parser.add_argument("--runs", type=int, default=RUNS, help="interleaved rounds (default %(default)s)")
    arguments = parser.parse_args(argv)
    modes = MODES if arguments.mode == "both" else (arguments.mode,)
    handlers = sorted(ROOT.glob("functions/*/handler.py"))
    bodies = {"fastapi": "import fastapi", "minimal": _MINIMAL_APP}
    bodies |= {
        handler.parent.name: _LOAD_HANDLER.format(path=str(handler), forbidden=HEAVY) for handler in handlers
    }
    with tempfile.TemporaryDirectory() as scratch:
        pycaches = {mode: Path(scratch) / mode for mode in modes}
        if "bytecode" in pycaches:
            compiled = compile_like_the_layer(bodies, pycaches["bytecode"])
            print(f"bytecode: {compiled} modules compiled to unchecked-hash .pyc, as the layer ships them")
        timings = medians(bodies, pycaches, arguments.runs)
    load = os.getloadavg()[0]
    print(f"Python {sys.version.split()[0]}, {arguments.runs} interleaved rounds, load average {load:.1f}")
    verdicts = {mode: report(mode, handlers, timings) for mode in modes}
    judged = "bytecode" if "bytecode" in verdicts else modes[0]
    if verdicts[judged]:
        print(f"\nover budget ({judged}): " + ", ".join(verdicts[judged]))
        return 1
    print(f"\nall {len(handlers)} handlers within budget ({judged}; {BUDGET_MS:.0f} ms at FastAPI = 400 ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
