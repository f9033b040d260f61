"""The local server as a user runs it: `tradai serve` in its own process, probed over HTTP and by the CLI."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

TRADAI = [sys.executable, "-m", "tradai.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_serving(base_url: str, process: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    # Returns as soon as the server answers; the long deadline is for a loaded machine (parallel
    # test workers, other suites) where the first import of the server takes a while.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited early with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{base_url}/api/v1/health", timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("server did not start in time")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    data_dir = tmp_path_factory.mktemp("tradai-data")
    port = free_port()
    env = {**os.environ, "TRADAI_DATA_DIR": str(data_dir), "TRADAI_PORT": str(port)}
    process = subprocess.Popen([*TRADAI, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(base_url, process)
        yield base_url, data_dir
    finally:
        process.terminate()
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:  # never leave a server behind, even on a crawling machine
            process.kill()
            process.wait()


def test_given_running_server_when_health_requested_then_healthy_and_data_dir_used(
    server: tuple[str, Path],
) -> None:
    # Given
    base_url, data_dir = server

    # When
    with urllib.request.urlopen(f"{base_url}/api/v1/health") as response:
        body = json.loads(response.read())
        correlation = response.headers["X-Correlation-ID"]

    # Then
    assert body["healthy"] is True
    assert correlation
    assert (data_dir / "tradai.sqlite3").exists()


def test_given_running_server_when_docs_requested_then_served(server: tuple[str, Path]) -> None:
    base_url, _ = server
    for path in ("/docs", "/redoc", "/openapi.json"):
        with urllib.request.urlopen(f"{base_url}{path}") as response:
            assert response.status == 200


def test_given_running_server_when_cli_health_then_exit_zero_and_json(server: tuple[str, Path]) -> None:
    base_url, _ = server
    result = subprocess.run(
        [*TRADAI, "health", "--url", base_url], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["status"] == "healthy"


def test_given_no_server_when_cli_health_then_nonzero_and_one_line_reason() -> None:
    result = subprocess.run(
        [*TRADAI, "health", "--url", f"http://127.0.0.1:{free_port()}", "--timeout", "2"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("unreachable:")
    assert "Traceback" not in result.stderr


def test_given_cli_when_help_requested_then_commands_are_listed() -> None:
    result = subprocess.run([*TRADAI, "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert "serve" in result.stdout
    assert "health" in result.stdout


def test_given_first_start_when_stored_symbols_listed_then_demo_data_is_there(
    server: tuple[str, Path],
) -> None:
    # A new user can backtest at once: the first start loads the seeded demo bars.
    base_url, _ = server
    with urllib.request.urlopen(f"{base_url}/api/v1/data/symbols?source=stored") as response:
        symbols = json.loads(response.read())["symbols"]
    assert {"BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT"} <= set(symbols)
    # And the demo bars end at the last closed hour: fresh, not stale since the demo was written
    query = "symbols=BTC/USDT:USDT,ETH/USDT:USDT,SOL/USDT:USDT&stale_threshold_hours=24"
    with urllib.request.urlopen(f"{base_url}/api/v1/data/freshness?{query}") as response:
        freshness = json.loads(response.read())["freshness"]
    assert [item["is_stale"] for item in freshness.values()] == [False, False, False]
