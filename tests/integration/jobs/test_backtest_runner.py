"""The backtest runner in-process: each mode runs the engine and leaves results and artifacts behind."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.fakes import ListSink, local_container
from tests.unit.jobs.conftest import new_job
from tradai.bootstrap import Container
from tradai.domain.backtest_spec import BacktestSpec
from tradai.domain.clock import utc_now
from tradai.domain.jobs import JobStatus
from tradai.services import backtest_runner
from tradai.services.job_repository import JobRepository
from tradai.services.job_worker import JobReporter

SPEC: dict[str, Any] = {
    "strategy_config": {"name": "sma_cross", "version": "1.0.0", "parameters": {"fast": 5, "slow": 20}},
    "date_range": {"start": "2024-01-01T00:00:00Z", "end": "2024-03-01T00:00:00Z"},
    "symbols": ["BTC/USDT:USDT"],
    "fees": 0.0005,
}


@pytest.fixture
def container(tmp_path: Path) -> Container:
    return local_container(tmp_path)


def run_mode(container: Container, **changes: Any) -> tuple[Any, ListSink, str]:
    spec = BacktestSpec.model_validate({**SPEC, **changes})
    jobs = JobRepository(container.store)
    job = new_job(request=spec.model_dump(mode="json"))
    jobs.create(job)
    jobs.transition(job.job_id, JobStatus.RUNNING, at=utc_now())
    sink = ListSink()
    ticks = iter(range(1_000_000))  # a clock a second apart per call: no progress write is throttled away
    reporter = JobReporter(job_id=job.job_id, jobs=jobs, events=sink, monotonic=lambda: float(next(ticks)))
    return backtest_runner.run(jobs.get(job.job_id), reporter, container), sink, job.job_id


def test_given_single_run_when_run_then_headline_metrics_artifacts_and_events(container: Container) -> None:
    # When
    outcome, sink, job_id = run_mode(container)

    # Then the summary has the seed's headline metrics
    assert set(backtest_runner.HEADLINE_METRICS) <= set(outcome.result)
    assert all(outcome.result[name] is not None for name in backtest_runner.HEADLINE_METRICS)
    assert outcome.result["trades_count"] > 0
    assert outcome.reproducibility["strategy"] == "sma_cross"
    assert outcome.reproducibility["params"]["fast"] == 5
    assert outcome.reproducibility["bars_fingerprint"]
    assert outcome.reproducibility["data_versions"] == {
        "BTC/USDT:USDT": "fake.binance_futures.1h/BTC/USDT:USDT@v0"
    }

    # And the artifacts are readable: full metrics, trades, a small equity preview, the full curve
    blobs = container.blobs
    metrics = json.loads(blobs.get(outcome.artifacts["metrics"]))["metrics"]
    trades = json.loads(blobs.get(outcome.artifacts["trades"]))
    preview = json.loads(blobs.get(outcome.artifacts["equity_preview"]))
    assert metrics["trades_count"] == outcome.result["trades_count"] == len(trades)
    assert trades[0]["entry_time"].endswith("Z")
    assert {"timestamp", "portfolio_value", "drawdown_percent", "benchmark_price"} <= set(preview[0])
    with np.load(__import__("io").BytesIO(blobs.get(outcome.artifacts["equity"]))) as full:
        assert len(full["portfolio_value"]) == len(full["timestamp_ms"]) >= len(preview)
        assert full["portfolio_value"][-1] == pytest.approx(metrics["final_value"])

    # And watchers saw progress and the trades
    progress = [message for _, message in sink.items if "type" not in message]
    assert max(message["progress"]["current"] for message in progress) == 1000
    assert progress[-1]["trades_executed"] == outcome.result["trades_count"]
    assert progress[-1]["current_date"] == "2024-03-01"
    dates = [message["current_date"] for message in progress if message.get("current_date")]
    assert dates == sorted(dates)
    assert any("2024-01-01" < date < "2024-03-01" for date in dates)  # reported mid-run, not only at the end
    assert sum(1 for _, message in sink.items if message.get("type") == "trade") == len(trades)
    assert {owner for owner, _ in sink.items} == {job_id}


def test_given_sweep_when_run_then_ranked_table_and_best_params(container: Container) -> None:
    outcome, _, _ = run_mode(container, mode="sweep", parameter_space={"fast": [3, 5, 8], "slow": [20, 30]})
    extras = json.loads(container.blobs.get(outcome.artifacts["metrics"]))
    assert len(extras["sweep"]["table"]) == 6
    # the stored result is the best set's run: its parameters, and the search that chose them
    best = extras["sweep"]["table"][0]
    assert (outcome.reproducibility["params"]["fast"], outcome.reproducibility["params"]["slow"]) == (
        best["fast"],
        best["slow"],
    )
    assert outcome.reproducibility["search"]["space"] == {"fast": [3, 5, 8], "slow": [20, 30]}


def test_given_walk_forward_when_run_then_windows_and_efficiency(container: Container) -> None:
    outcome, sink, _ = run_mode(
        container,
        mode="walk_forward",
        parameter_space={"fast": [3, 5], "slow": [20, 30]},
        walk_forward={"windows": 3, "train_fraction": 0.5},
    )
    extras = json.loads(container.blobs.get(outcome.artifacts["metrics"]))
    assert len(extras["walk_forward"]["windows"]) == 3
    assert "efficiency_ratio" in extras["walk_forward"]

    # And the record is the walk-forward's: no one parameter set (each window's is in its row), the space
    record = outcome.reproducibility
    assert record["params"] == {}
    assert record["search"]["mode"] == "walk_forward"
    assert record["search"]["space"] == {"fast": [3, 5], "slow": [20, 30]}
    assert (record["search"]["windows"], record["search"]["train_fraction"]) == (3, 0.5)
    assert all({"fast", "slow"} <= set(row) for row in extras["walk_forward"]["windows"])
    assert record["bars_fingerprint"]

    # And progress told the bar date reached as the windows advanced, not only at the end
    dates = [m["current_date"] for _, m in sink.items if "type" not in m and m.get("current_date")]
    assert dates == sorted(dates)
    assert len(set(dates)) >= 3
    assert "2024-01-31" <= dates[0] < "2024-03-01"


def test_given_a_tagging_strategy_when_walk_forward_job_runs_then_it_completes_with_tagged_trades(
    container: Container,
) -> None:
    # When: PascalStrategy names its entries (the worker failed with an IndexError on it)
    outcome, _, _ = run_mode(
        container,
        strategy_config={"name": "PascalStrategy", "version": "2.0.0", "parameters": {}},
        mode="walk_forward",
        parameter_space={"ema_fast": [10, 21]},
        walk_forward={"windows": 2, "train_fraction": 0.5},
    )

    # Then
    trades = json.loads(container.blobs.get(outcome.artifacts["trades"]))
    assert trades
    assert {trade["enter_tag"] for trade in trades} <= {"trend_pullback_long", "trend_pullback_short"}


def test_given_monte_carlo_when_run_then_percentiles_and_probabilities(container: Container) -> None:
    outcome, _, _ = run_mode(container, mode="monte_carlo", simulations=200, seed=3)
    extras = json.loads(container.blobs.get(outcome.artifacts["metrics"]))["monte_carlo"]
    assert [float(p) for p in extras["total_return"]] == [5.0, 25.0, 50.0, 75.0, 95.0]
    assert 0 <= extras["prob_sharpe_positive"] <= 1
    assert extras["simulations"] == 200
    assert (outcome.reproducibility["seed"], outcome.reproducibility["search"]["simulations"]) == (3, 200)
