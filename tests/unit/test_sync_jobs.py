"""Large syncs as background jobs: queued past the threshold, run like a backtest, failures per symbol."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from tests.fakes import FakeExchange, FakeMarketData, ListSink, local_container, random_walk_bars
from tests.unit.jobs.conftest import RecordingExecutor
from tradai.api.app import create_app
from tradai.api.routers import backtest_submission, backtests, data
from tradai.bootstrap import Container
from tradai.domain.clock import utc_now
from tradai.domain.jobs import JobKind, JobStatus
from tradai.services import job_runners
from tradai.services.job_repository import JobRepository
from tradai.services.job_worker import JobCancelled, JobReporter, execute
from tradai.services.market_data import SyncRequest
from tradai.services.sync_jobs import start_sync
from tradai.settings import Settings

EXCHANGE = "binance_futures"
BTC, ETH = "BTC/USDT:USDT", "ETH/USDT:USDT"
START = "2024-01-01T00:00:00+00:00"


def exchange_bars(hours: int) -> dict[str, pd.DataFrame]:
    end = (pd.Timestamp(START) + pd.Timedelta(hours=hours - 1)).isoformat()
    return {BTC: random_walk_bars(START, end, seed=1), ETH: random_walk_bars(START, end, seed=2)}


@pytest.fixture
def container(tmp_path: Path) -> Container:
    # Given a store with nothing for BTC/ETH, an exchange with 300 hourly bars each, a threshold of 100
    return local_container(
        tmp_path,
        settings=Settings(data_dir=tmp_path, sync_inline_max_bars=100),
        market_data=FakeMarketData(),
        exchange=FakeExchange(exchange_bars(300), page_size=50),
        sync_executor=RecordingExecutor(),
    )


def queue(container: Container, symbols: list[str], *, now: datetime) -> str:
    assert container.market_data
    assert container.exchange
    started = start_sync(
        market_data=container.market_data,
        exchange=container.exchange,
        store=container.store,
        executor=container.sync_executor,
        request=SyncRequest(symbols=symbols, start=datetime.fromisoformat(START)),
        owner="alice",
        inline_max_bars=container.settings.sync_inline_max_bars,
        now=now,
    )
    assert started.job is not None
    return started.job.job_id


def run_job(container: Container, job_id: str) -> ListSink:
    jobs = JobRepository(container.store)
    jobs.transition(job_id, JobStatus.RUNNING, at=utc_now())
    sink = ListSink()
    reporter = JobReporter(job_id=job_id, jobs=jobs, events=sink, monotonic=lambda: 0.0)
    execute(job_id, runner=job_runners.run, reporter=reporter, container=container)
    return sink


def test_given_small_sync_when_started_then_answered_inline_without_a_job(container: Container) -> None:
    # Given 50 bars to fetch, under the threshold of 100
    assert container.market_data
    assert container.exchange
    now = datetime(2024, 1, 3, 2, 0, tzinfo=UTC)

    # When
    started = start_sync(
        market_data=container.market_data,
        exchange=container.exchange,
        store=container.store,
        executor=container.sync_executor,
        request=SyncRequest(symbols=[BTC], start=datetime.fromisoformat(START)),
        owner="alice",
        inline_max_bars=100,
        now=now,
    )

    # Then
    assert started.job is None
    assert started.report is not None
    assert started.estimated_bars == 50
    assert (started.report.status, started.report.symbols_synced) == ("completed", 1)
    assert JobRepository(container.store).count(kind=JobKind.DATA_SYNC) == 0


def test_given_large_sync_when_started_then_queued_job_apart_from_backtests(container: Container) -> None:
    # When 2 x 300 bars are asked for
    job_id = queue(container, [BTC, ETH], now=datetime(2024, 1, 13, 12, 0, tzinfo=UTC))

    # Then a DATA_SYNC job is queued with the executor, nothing fetched yet, no backtest listed
    jobs = JobRepository(container.store)
    job = jobs.get(job_id, kind=JobKind.DATA_SYNC)
    assert (job.status, job.owner) == (JobStatus.QUEUED, "alice")
    assert container.sync_executor.submitted == [job_id]  # type: ignore[union-attr]
    assert [queued.job_id for queued in jobs.list(status=JobStatus.QUEUED, kind=JobKind.DATA_SYNC).jobs] == [
        job_id
    ]
    assert jobs.count() == 0  # the backtest list does not show it
    assert container.market_data.list_symbols(exchange=EXCHANGE) == []  # type: ignore[union-attr]


def test_given_queued_sync_when_worker_runs_it_then_completed_with_report_and_progress(
    container: Container,
) -> None:
    # Given a queued sync whose exchange fails on ETH's fourth page
    job_id = queue(container, [BTC, ETH], now=utc_now())
    container.exchange.fail_after_pages = {ETH: 3}  # type: ignore[union-attr]

    # When the worker runs it
    sink = run_job(container, job_id)

    # Then the job completed; its result is the sync report with ETH's failure in it
    job = JobRepository(container.store).get(job_id)
    assert job.status is JobStatus.COMPLETED
    assert job.result is not None
    assert (job.result["status"], job.result["symbols_synced"]) == ("partial", 1)
    btc, eth = job.result["results"]
    assert (btc["new_rows"], btc["error"]) == (300, None)
    assert (eth["new_rows"], eth["error_code"]) == (150, "EXCHANGE_UNAVAILABLE")
    # And the bars fetched before the failure are kept
    assert container.market_data is not None
    assert len(container.market_data.read(exchange=EXCHANGE, symbol=ETH, timeframe="1h").frame) == 150
    # And watchers saw progress grow to the end, as for a backtest
    updates = [message for _, message in sink.items if message.get("progress")]
    currents = [message["progress"]["current"] for message in updates]
    assert currents == sorted(currents)
    assert updates[-1]["status"] == "COMPLETED"
    assert updates[-1]["result"]["new_rows"] == 450


def test_given_running_sync_when_cancelled_then_stops_and_keeps_fetched_bars(container: Container) -> None:
    # Given a queued sync, and a reporter that finds the job cancelled after BTC's second page
    job_id = queue(container, [BTC, ETH], now=utc_now())
    jobs = JobRepository(container.store)
    jobs.transition(job_id, JobStatus.RUNNING, at=utc_now())
    calls = 0

    class CancellingReporter(JobReporter):
        def progress(self, current: int, total: int, **kwargs: Any) -> None:
            nonlocal calls
            calls += 1
            if calls == 3:  # the start report, then one per page
                raise JobCancelled(job_id)

    # When
    with pytest.raises(JobCancelled):
        job_runners.run(
            jobs.get(job_id), CancellingReporter(job_id=job_id, jobs=jobs, events=None), container
        )

    # Then BTC's two fetched pages are stored; ETH was never asked for
    assert container.market_data is not None
    assert len(container.market_data.read(exchange=EXCHANGE, symbol=BTC, timeframe="1h").frame) == 100
    assert container.market_data.list_symbols(exchange=EXCHANGE) == [BTC]


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    app = create_app(
        routers=[data.router, backtest_submission.router, backtests.router],
        settings=container.settings,
        container=container,
    )
    with TestClient(app) as test_client:
        yield test_client


def test_given_large_sync_when_posted_then_202_and_job_readable_like_a_backtest(
    client: TestClient, container: Container
) -> None:
    # When
    response = client.post("/api/v1/data/sync", json={"symbols": [BTC, ETH], "start": START})

    # Then 202 with the job, readable at its status URL
    assert response.status_code == 202
    accepted = response.json()
    assert accepted["status"] == "QUEUED"
    assert accepted["estimated_bars"] > 100
    job = client.get(accepted["status_url"]).json()
    assert (job["job_id"], job["status"], job["request"]["symbols"]) == (
        accepted["job_id"],
        "QUEUED",
        [BTC, ETH],
    )

    # And once a worker ran it, the report is there with progress complete
    run_job(container, accepted["job_id"])
    done = client.get(accepted["status_url"]).json()
    assert done["status"] == "COMPLETED"
    assert done["progress"]["percentage"] == 100
    assert (done["result"]["status"], done["result"]["new_rows"]) == ("completed", 600)

    # And it is not a backtest, nor is a backtest id a sync
    assert client.get(f"/api/v1/backtests/{accepted['job_id']}").status_code == 404
    assert client.post(f"/api/v1/data/sync/{accepted['job_id']}/cancel").status_code == 409


def test_given_queued_sync_when_cancelled_then_cancelled_and_executor_told(
    client: TestClient, container: Container
) -> None:
    # Given
    job_id = client.post("/api/v1/data/sync", json={"symbols": [BTC, ETH], "start": START}).json()["job_id"]

    # When
    response = client.post(f"/api/v1/data/sync/{job_id}/cancel")

    # Then
    assert (response.status_code, response.json()["status"]) == (200, "CANCELLED")
    assert container.sync_executor.cancelled == [job_id]  # type: ignore[union-attr]


def test_given_unknown_sync_job_when_read_then_404_with_code(client: TestClient) -> None:
    response = client.get("/api/v1/data/sync/00000000-0000-4000-8000-000000000000")
    assert (response.status_code, response.json()["code"]) == (404, "JOB_NOT_FOUND")
