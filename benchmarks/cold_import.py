"""Cold import time of every Lambda handler, each in a fresh interpreter (median of 5).

Budget: 600 ms per handler on the reference machine, where FastAPI's own import is ~400 ms, so a
handler may add 200 ms of its own. The machine here is shared and noisy, so the same run also times
a bare `import fastapi` and judges each handler by its overhead beyond it, scaled by how much slower
than 400 ms FastAPI was in this run. It also times the smallest real peer, a FastAPI app with one
pydantic-model route behind Mangum: registering the first such route makes FastAPI import
`pydantic.v1` for its compatibility checks, a cost every FastAPI handler pays.

Run: `make bench-imports` (or `.venv/bin/python benchmarks/cold_import.py`).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 7
BUDGET_MS = 600.0
FASTAPI_REFERENCE_MS = 400.0

_TIMER = """
import importlib.util, sys, time
started = time.perf_counter()
{body}
print((time.perf_counter() - started) * 1000)
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


def run_once(body: str) -> float:
    """Milliseconds `body` takes in a new interpreter."""
    env = {
        **os.environ,
        "TRADAI_RUNTIME": "aws",
        "TRADAI_TABLE_NAME": "tradai-bench",
        "TRADAI_ARTIFACTS_BUCKET": "tradai-bench",
        "AWS_DEFAULT_REGION": "eu-central-1",
    }
    result = subprocess.run(
        [sys.executable, "-c", _TIMER.format(body=body)],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=ROOT,
    )
    return float(result.stdout.strip().splitlines()[-1])


def medians(bodies: dict[str, str]) -> dict[str, float]:
    """Median time of each body over RUNS rounds; rounds interleave the bodies so noise hits all alike."""
    samples: dict[str, list[float]] = {name: [] for name in bodies}
    for _ in range(RUNS):
        for name, body in bodies.items():
            samples[name].append(run_once(body))
    return {name: statistics.median(values) for name, values in samples.items()}


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


def main() -> int:
    handlers = sorted(ROOT.glob("functions/*/handler.py"))
    bodies = {"fastapi": "import fastapi", "minimal": _MINIMAL_APP}
    bodies |= {
        handler.parent.name: _LOAD_HANDLER.format(path=str(handler), forbidden=HEAVY) for handler in handlers
    }
    timings = medians(bodies)
    fastapi_ms, minimal_ms = timings["fastapi"], timings["minimal"]
    print(f"{'peer: import fastapi':<32} {fastapi_ms:8.1f} ms   1.00x")
    print(
        f"{'peer: one-route FastAPI + Mangum':<32} {minimal_ms:8.1f} ms"
        f"   {minimal_ms / fastapi_ms:4.2f}x fastapi"
    )
    over_budget = []
    for handler in handlers:
        name = handler.parent.name
        elapsed = timings[name]
        overhead = elapsed - fastapi_ms
        print(
            f"{'handler: ' + name:<32} {elapsed:8.1f} ms   {elapsed / fastapi_ms:4.2f}x fastapi"
            f"   (+{overhead:.0f} ms of its own)"
        )
        # On a slower (shared) machine, scale the allowance by how slow FastAPI itself was.
        allowance = (BUDGET_MS - FASTAPI_REFERENCE_MS) * max(1.0, fastapi_ms / FASTAPI_REFERENCE_MS)
        if overhead > allowance:
            over_budget.append(f"{name} (+{overhead:.0f} ms > {allowance:.0f} ms)")
    if over_budget:
        print("over budget: " + ", ".join(over_budget))
        return 1
    print(f"all {len(handlers)} handlers within budget ({BUDGET_MS:.0f} ms at FastAPI = 400 ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
