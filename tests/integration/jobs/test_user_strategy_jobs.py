"""A user strategy (a file of TRADAI_STRATEGY_PATH) runs as a backtest job like a built-in does.

The local server's app in-process, with its real executor: each job runs in a worker process forked
from the server's forkserver, which builds its container from the server's settings.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.fakes import random_walk_bars
from tradai.adapters.arctic_bars import ArcticMarketData
from tradai.api.local import create_local_app
from tradai.settings import Settings, get_settings

SYMBOL = "BTC/USDT:USDT"
USER_STRATEGY = '''
"""A user's moving-average cross, written against the public engine API only."""

import numpy as np
import pandas as pd

from tradai.engine import IntParameter, Signals, Strategy


class UserCross(Strategy):
    name = "user_cross"
    version = "0.3.0"
    timeframe = "1h"
    pairs = ("BTC/USDT:USDT",)

    fast = IntParameter(2, 50, 5)
    slow = IntParameter(5, 200, 20)

    def signals(self, bars):
        close = pd.Series(bars.close)
        fast = close.rolling(self.params["fast"]).mean().to_numpy()
        slow = close.rolling(self.params["slow"]).mean().to_numpy()
        above = np.nan_to_num(fast - slow) > 0
        before = np.concatenate([[False], above[:-1]])
        return Signals(enter_long=above & ~before, exit_long=~above & before)
'''
RANGE = {"start": "2024-01-01T00:00:00Z", "end": "2024-03-01T00:00:00Z"}


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """`tradai serve`'s app with a strategies folder holding one user file, and stored bars."""
    folder = tmp_path / "strategies"
    folder.mkdir()
    (folder / "user_cross.py").write_text(USER_STRATEGY)
    data_dir = tmp_path / "data"
    for name, value in {
        "TRADAI_DATA_DIR": str(data_dir),
        "TRADAI_STRATEGY_PATH": str(folder),
        "TRADAI_DEMO_DATA": "false",
        "TRADAI_WORKERS": "2",
        "TRADAI_RATE_LIMIT_BACKTESTS_PER_MINUTE": "100",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    market = ArcticMarketData(Settings(data_dir=data_dir).market_data_uri)
    market.write_bars(
        exchange="binance_futures",
        symbol=SYMBOL,
        timeframe="1h",
        bars=random_walk_bars("2023-12-01", "2024-03-31"),
    )
    try:
        with TestClient(create_local_app()) as client:
            yield client
    finally:
        get_settings.cache_clear()


def finished(client: TestClient, job_id: str, timeout: float = 180) -> dict[str, Any]:
    """The job once it is COMPLETED, FAILED or CANCELLED."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job: dict[str, Any] = client.get(f"/api/v1/backtests/{job_id}").json()
        if job["status"] in {"COMPLETED", "FAILED", "CANCELLED"}:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")


def test_given_a_registered_user_strategy_when_single_sweep_and_walk_forward_jobs_run_then_all_complete(
    server: TestClient,
) -> None:
    # Given: the user strategy registered as a version, as a built-in would be
    registered = server.post(
        "/api/v1/strategies",
        json={"name": "UserCross", "version": "0.3.0", "strategy_class": "user_cross", "parameters": {}},
    )
    assert registered.status_code == 201, registered.json()

    # When: one job of each mode that splits differently on AWS
    base = {"strategy_config": {"name": "user_cross"}, "date_range": RANGE, "symbols": [SYMBOL]}
    requests = {
        "single": base,
        "sweep": {**base, "mode": "sweep", "parameter_space": {"fast": [3, 5, 8], "slow": [20, 30]}},
        "walk_forward": {
            **base,
            "mode": "walk_forward",
            "parameter_space": {"fast": [3, 5], "slow": [20, 30]},
            "walk_forward": {"windows": 3, "train_fraction": 0.6},
        },
    }
    created = {mode: server.post("/api/v1/backtests", json=body) for mode, body in requests.items()}
    assert {mode: response.status_code for mode, response in created.items()} == dict.fromkeys(requests, 201)
    jobs = {mode: finished(server, response.json()["job_id"]) for mode, response in created.items()}

    # Then: each completed with the user strategy's trades and metrics, its file's code hash recorded
    for mode, job in jobs.items():
        assert (mode, job["status"], job.get("error")) == (mode, "COMPLETED", None)
        assert job["result"]["trades_count"] > 0, mode
        assert job["result"]["sharpe_ratio"] is not None, mode
        assert job["reproducibility"]["strategy"] == "user_cross"
        assert job["reproducibility"]["strategy_version"] == "0.3.0"
    assert {job["reproducibility"]["code_hash"] for job in jobs.values()} == {registered.json()["code_hash"]}
