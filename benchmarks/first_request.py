"""A SnapStart function's first request after a restore, with and without priming (tradai.snapstart).

SnapStart snapshots what a function's init imported; whatever the first request loads (the X-Ray SDK,
the adapters, boto3 and its service models) would be loaded again after every restore. This runs each
chosen function in fresh interpreters, as in Lambda, against a moto server:
- on-demand: import the handler, then the first request and a second one;
- snap-start: the same with AWS_LAMBDA_INITIALIZATION_TYPE=snap-start, running the registered
  before-snapshot hooks between the import and the first request, as Lambda does before the snapshot.
It prints CPU-time medians; the first request's column is what a restored function pays.

Run: `make bench-first-request` (or `.venv/bin/python benchmarks/first_request.py [--runs N] [function ...]`).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from cold_import import ROOT
from cold_import import _environment as deployed_function_environment

sys.path.insert(0, str(ROOT / "layers" / "tradai" / "python"))

from tradai.table_design import create_table_request

EVENTS = {
    "catalog": "catalog/list_strategies",
    "strategies": "strategies/list_strategies",
    "backtests": "backtests/list_backtests",
    "configs": "configs/list_configs",
    "health": "health/get_health",
}
"""SnapStart (zip) functions and the sample event (events/) each is sent."""

REGION = "eu-central-1"
TABLE = "tradai-bench"
BUCKET = "tradai-bench-artifacts"

_CHILD = """
import importlib.util, json, sys, time

class Context:
    function_name = "tradai-bench"
    memory_limit_in_mb = 512
    invoked_function_arn = "arn:aws:lambda:eu-central-1:123456789012:function:tradai-bench"
    aws_request_id = "52fdfc07-2182-154f-163f-5f0f9a621d72"
    def get_remaining_time_in_millis(self):
        return 30_000

def cpu_ms(since):
    return (time.process_time() - since) * 1000

event = json.loads(open({event!r}).read())
started = time.process_time()
spec = importlib.util.spec_from_file_location("handler", {handler!r})
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
imported = cpu_ms(started)
started = time.process_time()
if {snap_start!r}:
    import snapshot_restore_py
    for hook, args, kwargs in reversed(snapshot_restore_py.get_before_snapshot()):
        hook(*args, **kwargs)
primed = cpu_ms(started)
started = time.process_time()
status = module.lambda_handler(event, Context())["statusCode"]
first = cpu_ms(started)
started = time.process_time()
module.lambda_handler(event, Context())
second = cpu_ms(started)
print(json.dumps([status, imported, primed, first, second]))
"""


def _environment(endpoint: str, pycache: Path, *, snap_start: bool) -> dict[str, str]:
    environment = deployed_function_environment(pycache) | {
        "TRADAI_TABLE_NAME": TABLE,
        "TRADAI_ARTIFACTS_BUCKET": BUCKET,
        "TRADAI_AWS_REGION": REGION,
        "TRADAI_AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "POWERTOOLS_METRICS_DISABLED": "true",
        # Bytecode written by a discarded first run, read by the measured ones (as from the layer).
        "PYTHONDONTWRITEBYTECODE": "",
    }
    if snap_start:
        environment["AWS_LAMBDA_INITIALIZATION_TYPE"] = "snap-start"
    return environment


def run_once(function: str, endpoint: str, pycache: Path, *, snap_start: bool) -> list[float]:
    """[status, import, priming, first request, second request] of one fresh interpreter, ms CPU."""
    event = ROOT / "events" / f"{EVENTS[function]}.json"
    code = _CHILD.format(
        event=str(event), handler=str(ROOT / "functions" / function / "handler.py"), snap_start=snap_start
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env=_environment(endpoint, pycache, snap_start=snap_start),
    )
    values: list[float] = json.loads(result.stdout.strip().splitlines()[-1])
    return values


def _create_resources(endpoint: str) -> None:
    import boto3

    credentials = {"aws_access_key_id": "bench", "aws_secret_access_key": "bench"}
    dynamodb = boto3.client("dynamodb", region_name=REGION, endpoint_url=endpoint, **credentials)
    dynamodb.create_table(**create_table_request(TABLE))
    s3 = boto3.client("s3", region_name=REGION, endpoint_url=endpoint, **credentials)
    s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("functions", nargs="*", help=f"default: all of {', '.join(EVENTS)}")
    parser.add_argument("--runs", type=int, default=5, help="interpreters per mode (default %(default)s)")
    arguments = parser.parse_args(argv)
    functions = arguments.functions or list(EVENTS)
    if unknown := set(functions) - EVENTS.keys():
        parser.error(f"no sample event chosen for {sorted(unknown)}; choose from {', '.join(EVENTS)}")
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    try:
        _create_resources(endpoint)
        with tempfile.TemporaryDirectory() as scratch:
            pycache = Path(scratch)
            print(f"ms CPU, median of {arguments.runs} fresh interpreters per mode; moto at {endpoint}")
            print(f"{'function':<12} {'mode':<10} {'import':>7} {'priming':>8} {'1st req':>8} {'2nd req':>8}")
            for function in functions:
                run_once(function, endpoint, pycache, snap_start=True)  # writes the bytecode
                for snap_start in (False, True):
                    rows = [
                        run_once(function, endpoint, pycache, snap_start=snap_start)
                        for _ in range(arguments.runs)
                    ]
                    status, *times = (statistics.median(column) for column in zip(*rows, strict=True))
                    mode = "snap-start" if snap_start else "on-demand"
                    imported, primed, first, second = times
                    print(
                        f"{function:<12} {mode:<10} {imported:7.0f} {primed:8.0f} {first:8.0f} {second:8.0f}"
                        f"   (HTTP {status:.0f})"
                    )
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
