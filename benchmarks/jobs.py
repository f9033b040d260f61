"""Job latency on the local runtime, end to end through a real server.

Prints (one run, this machine):
- how long a worker's progress write takes to reach a WebSocket client (p50, p90, max), from the
  `updated_at` the worker wrote to the moment the client reads the message (same clock);
- submit-to-COMPLETED time of a small job (a month of hourly bars), and of the same job once the
  worker pool is warm.

Target: p50 under 100 ms. Run: `.venv/bin/python benchmarks/jobs.py`.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.test_backtest_flow import Server, seed_bars  # noqa: E402
from websockets.sync.client import connect  # noqa: E402

SWEEP = {
    "mode": "sweep",
    "parameter_space": {"fast": [5, 8, 10, 12, 15, 20], "slow": [30, 40, 50, 60, 80]},
    "date_range": {"start": "2023-01-01T00:00:00Z", "end": "2024-12-31T00:00:00Z"},
}


def follow(server: Server, job_id: str) -> tuple[list[float], float]:
    """Latencies (ms) of the job's progress messages, and when the final one arrived."""
    _, ticket = server.call("POST", "/api/v1/ws/ticket", {"job_id": job_id})
    latencies: list[float] = []
    with connect(ticket["ws_url"], open_timeout=10) as socket:
        for raw in socket:
            received = datetime.now(UTC)
            message = json.loads(raw)
            if message.get("status") == "RUNNING" and message.get("progress"):
                written = datetime.fromisoformat(message["updated_at"])
                latencies.append((received - written).total_seconds() * 1000)
    return latencies, time.perf_counter()


def submit_to_completed(server: Server) -> float:
    started = time.perf_counter()
    job_id = server.submit()
    _, finished = follow(server, job_id)
    return finished - started


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        data_dir = Path(directory)
        seed_bars(data_dir)
        server = Server(data_dir, workers=2).start()
        try:
            cold = submit_to_completed(server)
            warm = submit_to_completed(server)
            latencies = [ms for _ in range(5) for ms in follow(server, server.submit(**SWEEP))[0]]
        finally:
            server.stop()
    ordered = sorted(latencies)
    p90 = ordered[int(len(ordered) * 0.9)] if ordered else float("nan")
    print(
        f"progress write -> WebSocket client: {len(ordered)} messages, "
        f"p50 {statistics.median(ordered):.1f} ms, p90 {p90:.1f} ms, max {max(ordered):.1f} ms "
        "(target p50 < 100 ms)"
    )
    print(f"submit -> COMPLETED, small job: {cold:.2f} s first, {warm:.2f} s next")


if __name__ == "__main__":
    main()
