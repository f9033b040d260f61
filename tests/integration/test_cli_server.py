"""`tradai backtest --server URL` against a real local app (uvicorn on 127.0.0.1, jobs run inline):
every option the local run honours reaches the server, or the command refuses it with a message.

The same command is run here (`--symbol`, bars from the store) and on the server over the same
stored bars; equal results prove the server ran what the user asked for, option by option.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from typer.testing import CliRunner

from tests.e2e.test_local_server import free_port
from tests.fakes import local_container, random_walk_bars
from tests.integration.test_lifecycle_flow import InlineExecutor
from tradai.adapters.arctic_bars import ArcticMarketData
from tradai.adapters.engine_catalog import EngineStrategyCatalog
from tradai.adapters.local_job_bus import LocalJobBus
from tradai.api.app import create_app
from tradai.api.routers import backtest_submission, backtests, catalog_detail, ws
from tradai.bootstrap import Container
from tradai.cli import app as cli
from tradai.services.job_repository import JobRepository
from tradai.settings import Settings

pytestmark = pytest.mark.slow

SYMBOL = "BTC/USDT:USDT"
OTHER_EXCHANGE = "bybit"


FOUR_HOURLY = """
from tradai.strategies.sma_cross import SmaCross


class FourHourCross(SmaCross):
    name = "four_hour_cross"
    timeframe = "4h"
"""


@pytest.fixture
def strategy_path(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """TRADAI_STRATEGY_PATH (this machine's and the server's) with a user strategy on 4-hour bars."""
    from tradai.settings import get_settings

    folder = data_dir.parent / "strategies"
    folder.mkdir()
    (folder / "four_hour_cross.py").write_text(FOUR_HOURLY)
    monkeypatch.setenv("TRADAI_STRATEGY_PATH", str(folder))
    get_settings.cache_clear()
    return folder


@pytest.fixture
def server(data_dir: Path, strategy_path: Path) -> Iterator[tuple[str, Container]]:
    """The API on `data_dir`'s stores (the ones the CLI's local path reads), served over HTTP.

    Bars of one symbol are stored on two exchanges, different walks, so an exchange dropped on the
    way shows in the results.
    """
    settings = Settings(data_dir=data_dir, strategy_path=strategy_path)
    market_data = ArcticMarketData(settings.market_data_uri)
    for exchange, seed in (("binance_futures", 1), (OTHER_EXCHANGE, 2)):
        bars = random_walk_bars("2024-01-01", "2024-02-29", seed=seed)
        market_data.write_bars(exchange=exchange, symbol=SYMBOL, timeframe="1h", bars=bars)
    executor = InlineExecutor()
    container = local_container(
        data_dir,
        settings=settings,
        market_data=market_data,
        strategies=EngineStrategyCatalog(strategy_path),
        executor=executor,
        job_bus=LocalJobBus(),
    )
    executor.container = container
    app = create_app(
        routers=[backtest_submission.router, backtests.router, ws.router, catalog_detail.router],
        settings=settings,
        container=container,
    )
    port = free_port()
    served = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=served.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not served.started:  # uvicorn sets it once the socket listens
        assert time.monotonic() < deadline, "the app did not start serving"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", container
    finally:
        served.should_exit = True
        thread.join(timeout=30)


def run(*arguments: str) -> dict[str, Any]:
    result = CliRunner().invoke(cli, ["backtest", *arguments, "--json"])
    assert result.exit_code == 0, result.output
    answer: dict[str, Any] = json.loads(result.stdout)
    return answer


OPTIONS = [
    "--strategy", "sma_cross", "--param", "fast=5", "--param", "slow=20",
    "--symbol", SYMBOL, "--exchange", OTHER_EXCHANGE,
    "--start", "2024-01-03", "--end", "2024-02-10",
    "--capital", "5000", "--fees", "10bps", "--slippage", "0.001",
]  # fmt: skip


def test_given_every_option_when_run_on_the_server_then_the_job_is_what_the_local_run_does(
    server: tuple[str, Container],
) -> None:
    # Given
    url, container = server

    # When: the same command here and on the server
    local = run(*OPTIONS)
    remote = run(*OPTIONS, "--server", url)

    # Then: the server's job asked for exactly the options given (the exchange, the whole last day,
    # the strategy's own timeframe, costs and capital)...
    job = JobRepository(container.store).get(remote["job_id"])
    request = job.request
    assert request["exchange"] == OTHER_EXCHANGE
    assert request["symbols"] == [SYMBOL]
    assert request["date_range"] == {"start": "2024-01-03T00:00:00Z", "end": "2024-02-10T23:59:59.999999Z"}
    assert (request["timeframe"], request["capital"], request["fees"], request["slippage"]) == (
        "1h",
        5000,
        0.001,
        0.001,
    )
    parameters = request["strategy_config"]["parameters"]
    assert (parameters["fast"], parameters["slow"]) == (5, 20)
    assert job.reproducibility is not None
    assert OTHER_EXCHANGE in json.dumps(job.reproducibility["data_versions"])
    # ...and it ran what the local run ran: the same trades and returns
    assert remote["metrics"]["trades_count"] == local["trades_count"]
    assert remote["metrics"]["total_return"] == pytest.approx(local["metrics"]["total_return"])


def test_given_no_timeframe_when_run_on_the_server_then_the_strategys_own_is_used_as_here(
    server: tuple[str, Container],
) -> None:
    # Given: a strategy on 4-hour bars (the store holds hourly ones: both sides aggregate them)
    url, container = server
    options = ["--strategy", "four_hour_cross", *OPTIONS[2:]]

    # When: no --timeframe, here and on the server
    local = run(*options)
    remote = run(*options, "--server", url)

    # Then: the server ran on the strategy's 4h bars, as the local run did (not the API's 1h default)
    assert JobRepository(container.store).get(remote["job_id"]).request["timeframe"] == "4h"
    assert remote["metrics"]["trades_count"] == local["trades_count"]
    assert remote["metrics"]["total_return"] == pytest.approx(local["metrics"]["total_return"])


@pytest.mark.parametrize(
    ("extra", "named"),
    [
        (["--data", "bars.csv"], "--data"),
        (["--fill", "close"], "--fill"),
    ],
)
def test_given_an_option_the_server_cannot_honour_when_run_on_it_then_refused_with_a_message(
    server: tuple[str, Container], extra: list[str], named: str
) -> None:
    # Given
    url, container = server

    # When
    result = CliRunner().invoke(cli, ["backtest", *OPTIONS, *extra, "--server", url])

    # Then: a one-line error naming the option; nothing was submitted
    assert result.exit_code == 2, result.output
    assert named in result.output
    assert "Traceback" not in result.output
    assert JobRepository(container.store).list().jobs == []
