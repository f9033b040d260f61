"""Cold import time of every Lambda handler, each in a fresh interpreter (median of 5).

Budget: 600 ms per handler on the reference machine, where FastAPI's own import is ~400 ms. The
machine here is shared and noisy, so the same run also times a bare `import fastapi` and prints
each handler's time as a ratio to it: the handler's overhead beyond FastAPI is what we control.

Run: `make bench-imports` (or `.venv/bin/python benchmarks/cold_import.py`).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 5
BUDGET_MS = 600.0

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
heavy = [name for name in ("numba", "pandas", "arcticdb", "ccxt", "mlflow", "boto3") if name in sys.modules]
if heavy:
    raise SystemExit(f"heavy modules imported at load: {{heavy}}")
"""


def time_in_fresh_interpreter(body: str) -> float:
    """Median milliseconds `body` takes in a new interpreter, over RUNS runs."""
    env = {
        **os.environ,
        "TRADAI_RUNTIME": "aws",
        "TRADAI_TABLE_NAME": "tradai-bench",
        "TRADAI_ARTIFACTS_BUCKET": "tradai-bench",
        "AWS_DEFAULT_REGION": "eu-central-1",
    }
    samples = []
    for _ in range(RUNS):
        result = subprocess.run(
            [sys.executable, "-c", _TIMER.format(body=body)],
            capture_output=True,
            text=True,
            check=True,
            env=env,
            cwd=ROOT,
        )
        samples.append(float(result.stdout.strip().splitlines()[-1]))
    return statistics.median(samples)


def main() -> int:
    handlers = sorted(ROOT.glob("functions/*/handler.py"))
    fastapi_ms = time_in_fresh_interpreter("import fastapi")
    print(f"{'peer: import fastapi':<32} {fastapi_ms:8.1f} ms   1.00x")
    over_budget = []
    for handler in handlers:
        elapsed = time_in_fresh_interpreter(_LOAD_HANDLER.format(path=str(handler)))
        name = handler.parent.name
        print(f"{'handler: ' + name:<32} {elapsed:8.1f} ms   {elapsed / fastapi_ms:4.2f}x fastapi")
        # On a slower (shared) machine, scale the budget by how slow FastAPI itself was.
        scaled_budget = BUDGET_MS * max(1.0, fastapi_ms / 400.0)
        if elapsed > scaled_budget:
            over_budget.append(f"{name} ({elapsed:.0f} ms > {scaled_budget:.0f} ms)")
    if over_budget:
        print("over budget: " + ", ".join(over_budget))
        return 1
    print(f"all {len(handlers)} handlers within budget ({BUDGET_MS:.0f} ms at FastAPI = 400 ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
