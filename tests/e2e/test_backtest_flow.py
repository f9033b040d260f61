"""The main flow on a real local server: submit, follow live, read results; cancel; crash; restart."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import connect

from tests.e2e.test_local_server import TRADAI, free_port, wait_until_serving
from tests.fakes import random_walk_bars
from tradai.adapters.arctic_bars import ArcticMarketData
from tradai.settings import Settings

SYMBOL = "BTC/USDT:USDT"
SMALL = {"start": "2024-01-01T00:00:00Z", "end": "2024-02-15T00:00:00Z"}


def seed_bars(data_dir: Path) -> None:
    """Store two years of hourly bars for one symbol, as `tradai data demo` would."""
    bars = random_walk_bars("2023-01-01", "2024-12-31")
    market = ArcticMarketData(Settings(data_dir=data_dir).market_data_uri)
    market.write_bars(exchange="binance_futures", symbol=SYMBOL, timeframe="1h", bars=bars)


class Server:
    def __init__(self, data_dir: Path, workers: int = 2) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "TRADAI_DATA_DIR": str(data_dir),
            "TRADAI_PORT": str(self.port),
            "TRADAI_WORKERS": str(workers),
            "TRADAI_RATE_LIMIT_BACKTESTS_PER_MINUTE": "100",
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Server:
        self.process = subprocess.Popen(
            [*TRADAI, "serve"], env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        wait_until_serving(self.base, self.process)
        return self

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:  # never leave a server behind, even on a crawling machine
                self.process.kill()
                self.process.wait()

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"{self.base}{path}", data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                raw = response.read()
                kind = response.headers.get("Content-Type", "")
                return response.status, json.loads(raw) if "json" in kind else raw.decode()
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def submit(self, **changes: Any) -> str:
        body = {
            "strategy_config": {"name": "sma_cross", "parameters": {"fast": 10, "slow": 30}},
            "date_range": SMALL,
            "symbols": [SYMBOL],
            **changes,
        }
        status, created = self.call("POST", "/api/v1/backtests", body)
        assert status == 201, created
        return str(created["job_id"])

    def wait(self, job_id: str, *statuses: str, timeout: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            _, job = self.call("GET", f"/api/v1/backtests/{job_id}")
            if job["status"] in statuses:
                return dict(job)
            time.sleep(0.2)
        raise AssertionError(f"job {job_id} is {job['status']}, wanted {statuses}")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("flow")
    seed_bars(directory)
    return directory


@pytest.fixture(scope="module")
def server(data_dir: Path) -> Iterator[Server]:
    running = Server(data_dir).start()
    yield running
    running.stop()


def test_given_stored_bars_when_job_submitted_and_followed_live_then_completes_with_results(
    server: Server,
) -> None:
    # Given a job and a ticket for it
    job_id = server.submit()
    _, ticket = server.call("POST", "/api/v1/ws/ticket", {"job_id": job_id})

    # When we follow it over the WebSocket until the server closes
    messages = []
    with connect(ticket["ws_url"], open_timeout=10) as socket:
        messages = [json.loads(raw) for raw in socket]

    # Then: the current state first, then changes, then the result; trade events among them
    updates = [message for message in messages if "type" not in message]
    assert updates[-1]["status"] == "COMPLETED"
    assert updates[-1]["result"]["trades_count"] > 0
    assert any(message.get("type") == "trade" for message in messages)
    assert any(update["status"] == "RUNNING" and update["progress"] for update in updates)

    # And the results are all readable
    _, job = server.call("GET", f"/api/v1/backtests/{job_id}")
    assert job["result"]["sharpe_ratio"] is not None
    assert job["reproducibility"]["strategy"] == "sma_cross"
    # And it names the stored bars it read (the market-data version), also in the report's summary
    data_version = job["reproducibility"]["data_versions"][SYMBOL]
    assert data_version.startswith(f"bars.binance_futures.1h/{SYMBOL}@v")
    _, equity = server.call("GET", f"/api/v1/backtests/{job_id}/equity?max_points=100")
    assert 2 < len(equity["equity_curve"]) <= 100
    _, report = server.call("GET", f"/api/v1/backtests/{job_id}/report-data?trades_limit=5")
    assert len(report["trades"]) == min(5, report["trades_total"])
    assert report["summary"]["data_versions"] == {SYMBOL: data_version}
    chart = urllib.request.urlopen(report["charts"]["equity_curve_url"]).read().decode()
    assert chart.startswith("<svg")
    _, html = server.call("GET", f"/api/v1/backtests/{job_id}/report")
    assert "<h2>Metrics</h2>" in html


LONG_SWEEP = {
    "mode": "sweep",
    "parameter_space": {"fast": [5, 8, 10, 12, 15, 20], "slow": [30, 40, 50, 60, 80]},
    "date_range": {"start": "2023-01-01T00:00:00Z", "end": "2024-12-31T00:00:00Z"},
}


def test_given_eight_jobs_when_two_are_cancelled_mid_run_then_they_stop_and_six_complete(
    server: Server,
) -> None:
    # Given eight jobs on two workers, the first two long
    jobs = [server.submit(**LONG_SWEEP) for _ in range(2)] + [server.submit() for _ in range(6)]
    for job_id in jobs[:2]:
        server.wait(job_id, "RUNNING")

    # When the two running ones are cancelled
    for job_id in jobs[:2]:
        status, body = server.call("POST", f"/api/v1/backtests/{job_id}/cancel")
        assert status == 200, body

    # Then they stay cancelled and the rest complete
    final = {job_id: server.wait(job_id, "COMPLETED", "CANCELLED", "FAILED")["status"] for job_id in jobs}
    assert [final[job_id] for job_id in jobs] == ["CANCELLED"] * 2 + ["COMPLETED"] * 6


def test_given_running_job_when_its_worker_is_killed_then_failed_with_reason(server: Server) -> None:
    # Given a running job and its worker process (killed as soon as it exists: it is still loading)
    job_id = server.submit(**LONG_SWEEP)
    deadline = time.monotonic() + 60
    pid = None
    while pid is None and time.monotonic() < deadline:
        pid = _stored_job(server.data_dir, job_id).get("worker_pid")
        time.sleep(0.02)
    assert pid is not None

    # When the worker dies
    os.kill(int(pid), signal.SIGKILL)

    # Then
    failed = server.wait(job_id, "FAILED")
    assert failed["error"]["code"] == "WORKER_DIED"
    assert "-9" in failed["error"]["message"]


def _stored_job(data_dir: Path, job_id: str) -> dict[str, Any]:
    from tradai.adapters.sqlite_store import SqliteDocumentStore
    from tradai.services.job_repository import JobRepository

    return JobRepository(SqliteDocumentStore(data_dir / "tradai.sqlite3")).get(job_id).model_dump()


def test_given_queued_job_when_server_restarts_then_it_runs(data_dir: Path, server: Server) -> None:
    # Given a job left QUEUED while no server runs (a copy of one the API stored)
    if server.process is None or server.process.poll() is not None:
        server.start()
    template_id = server.submit()
    server.wait(template_id, "COMPLETED")
    server.stop()
    from tradai.adapters.sqlite_store import SqliteDocumentStore
    from tradai.domain.clock import utc_now
    from tradai.domain.jobs import JobStatus
    from tradai.services.job_repository import JobRepository

    jobs = JobRepository(SqliteDocumentStore(data_dir / "tradai.sqlite3"))
    template = jobs.get(template_id)
    now = utc_now()
    queued = template.model_copy(
        update={"job_id": "00000000-0000-4000-8000-00000000beef", "status": JobStatus.QUEUED,
                "created_at": now, "updated_at": now, "started_at": None, "completed_at": None,
                "result": None, "error": None, "progress": None, "worker_pid": None, "artifacts": {}}
    )  # fmt: skip
    jobs.create(queued)

    # When a new server starts, and Then the job runs to the end
    restarted = Server(data_dir).start()
    try:
        assert restarted.wait(queued.job_id, "COMPLETED")["result"]["trades_count"] >= 0
    finally:
        restarted.stop()


def test_given_server_when_cli_follows_a_job_then_metrics_as_json(server: Server) -> None:
    if server.process is None or server.process.poll() is not None:
        server.start()
    result = subprocess.run(
        [*TRADAI, "backtest", "--server", server.base, "--strategy", "sma_cross", "--param", "fast=10",
         "--symbol", SYMBOL, "--start", "2024-01-01", "--end", "2024-02-01", "--json"],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["metrics"]["trades_count"] >= 0
