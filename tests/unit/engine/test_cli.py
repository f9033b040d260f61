"""The backtest, sweep and walk-forward commands on CSV files: JSON out, one-line errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from tests.unit.engine.candles import bars_from_closes
from tests.unit.engine.test_strategy import MINE
from tradai.cli import backtest as backtest_cli
from tradai.cli.bars_source import BARS_SOURCE
from tradai.cli.data import market_data_store
from tradai.engine import backtest

RUNNER = CliRunner()


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()
    app.callback()(lambda: None)
    backtest_cli.register(app)
    return app


@pytest.fixture(scope="module")
def csv_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    closes = 100 * np.exp(np.cumsum(np.random.default_rng(4).normal(0, 0.01, 600)))
    bars = bars_from_closes(closes, spread=0.002)
    path = tmp_path_factory.mktemp("bars") / "bars.csv"
    bars.rename(columns=str.upper).rename_axis("Timestamp").to_csv(path)
    return path


def test_given_csv_when_backtest_json_then_one_object_with_metrics_and_trade_count(
    app: typer.Typer, csv_file: Path
) -> None:
    # When
    result = RUNNER.invoke(
        app, ["backtest", "-s", "sma_cross", "-p", "fast=5", "-p", "slow=20", "--data", str(csv_file),
              "--fees", "10bps", "--json"],
    )  # fmt: skip

    # Then
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["trades_count"] > 0
    assert {"sharpe", "max_drawdown", "total_fees", "probabilistic_sharpe"} <= set(body["metrics"])
    assert body["metrics"]["total_fees"] > 0
    assert body["reproducibility"]["params"] == {"fast": 5, "slow": 20, "allow_short": False}


def test_given_csv_when_backtest_table_then_metrics_are_printed(app: typer.Typer, csv_file: Path) -> None:
    # When
    result = RUNNER.invoke(app, ["backtest", "-s", "rsi_reversion", "--data", str(csv_file)])

    # Then
    assert result.exit_code == 0, result.output
    assert "total_return" in result.stdout


def test_given_csv_when_sweep_json_then_ranked_results(app: typer.Typer, csv_file: Path) -> None:
    # When
    result = RUNNER.invoke(
        app, ["sweep", "-s", "sma_cross", "-r", "fast=3,5,8", "-r", "slow=20,30", "--metric", "total_return",
              "--data", str(csv_file), "--json"],
    )  # fmt: skip

    # Then
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert len(body["results"]) == 6
    returns = [row["total_return"] for row in body["results"]]
    assert returns == sorted(returns, reverse=True)


def test_given_csv_when_walk_forward_json_then_windows_and_efficiency(
    app: typer.Typer, csv_file: Path
) -> None:
    # When
    result = RUNNER.invoke(
        app, ["walk-forward", "-s", "sma_cross", "-r", "fast=3,5", "-r", "slow=20,30", "--windows", "2",
              "--data", str(csv_file), "--json"],
    )  # fmt: skip

    # Then
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert len(body["results"]) == 2
    assert "efficiency_ratio" in body


def test_given_a_strategy_that_tags_its_trades_when_walk_forward_then_it_completes(
    app: typer.Typer, csv_file: Path
) -> None:
    # When: PascalStrategy tags entries and exits (this crashed with an IndexError traceback)
    result = RUNNER.invoke(
        app, ["walk-forward", "-s", "PascalStrategy", "-r", "ema_fast=10,21", "--windows", "2",
              "--data", str(csv_file), "--json"],
    )  # fmt: skip

    # Then
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert [row["ema_fast"] in (10, 21) for row in body["results"]] == [True, True]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-s", "nope"], "unknown strategy"),
        (["-s", "sma_cross", "-p", "colour=red"], "unknown parameter"),
        (["-s", "sma_cross", "-p", "fast=0"], "outside its range"),
        (["-s", "sma_cross", "--start", "2030-01-01"], "no bars"),
        (["-s", "sma_cross", "--fees", "cheap"], "--fees"),
    ],
)
def test_given_bad_input_when_backtest_then_one_line_error_and_nonzero_exit(
    app: typer.Typer, csv_file: Path, args: list[str], message: str
) -> None:
    # When
    result = RUNNER.invoke(app, ["backtest", *args, "--data", str(csv_file)])

    # Then
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            "date,open,high,low,close,volume\n2024-01-02,1,1,1,1,1\n2024-01-01,1,1,1,1,1\n",
            "strictly increasing",
        ),
        ("date,open,high,low\n2024-01-01,1,1,1\n", "missing column"),
        ("date,open,high,low,close,volume\nyesterday,1,1,1,1,1\n", "cannot read times"),
        ("", "not a readable CSV"),
    ],
    ids=["non-monotonic", "missing columns", "bad dates", "empty file"],
)
def test_given_malformed_csv_when_backtest_then_one_line_error(
    app: typer.Typer, tmp_path: Path, content: str, message: str
) -> None:
    # Given
    path = tmp_path / "bad.csv"
    path.write_text(content)

    # When
    result = RUNNER.invoke(app, ["backtest", "-s", "sma_cross", "--data", str(path)])

    # Then
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("command", ["backtest", "sweep", "walk-forward"])
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start", "garbage"], "--start must be a date"),
        (["--start", "2024-13-45"], "--start must be a date"),
        (["--end", "2024-01-05T99"], "--end must be a date"),
    ],
    ids=["words", "month 13", "hour 99"],
)
def test_given_a_malformed_date_when_run_then_one_line_error_and_exit_2(
    app: typer.Typer, csv_file: Path, command: str, args: list[str], message: str
) -> None:
    # When
    result = RUNNER.invoke(app, [command, "-s", "sma_cross", *args, "--data", str(csv_file)])

    # Then
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1


def test_given_a_date_range_when_bars_read_then_the_end_day_is_included_whole(csv_file: Path) -> None:
    # Given: hourly bars from 2024-01-01
    source = replace(BARS_SOURCE, data=csv_file, start="2024-01-03", end="2024-01-05")

    # When
    bars = source.bars()

    # Then
    assert bars.index[0] == pd.Timestamp("2024-01-03", tz="UTC")
    assert bars.index[-1] == pd.Timestamp("2024-01-05T23:00", tz="UTC")
    assert len(bars) == 3 * 24


@pytest.fixture
def strategy_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """TRADAI_STRATEGY_PATH set to a folder with a user strategy `mine` and a file that fails to import."""
    from tradai.settings import get_settings

    folder = tmp_path / "strategies"
    folder.mkdir()
    (folder / "mine.py").write_text(MINE)
    (folder / "bad.py").write_text("import no_such_module_here\n")
    monkeypatch.setenv("TRADAI_STRATEGY_PATH", str(folder))
    get_settings.cache_clear()
    yield folder
    get_settings.cache_clear()


@pytest.mark.parametrize("strategy", ["mine", "sma_cross"])
def test_given_strategy_path_env_when_backtest_then_user_and_builtin_strategies_run_beside_a_broken_file(
    app: typer.Typer, csv_file: Path, strategy_folder: Path, strategy: str
) -> None:
    # When
    result = RUNNER.invoke(app, ["backtest", "-s", strategy, "--data", str(csv_file), "--json"])

    # Then
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["reproducibility"]["strategy"] == strategy


def test_given_strategy_path_env_with_a_broken_file_when_an_unknown_name_then_the_error_names_the_file(
    app: typer.Typer, csv_file: Path, strategy_folder: Path
) -> None:
    # When
    result = RUNNER.invoke(app, ["backtest", "-s", "ghost", "--data", str(csv_file)])

    # Then
    assert result.exit_code == 2
    assert "bad.py: ModuleNotFoundError" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.fixture
def stored(data_dir: Path) -> pd.DataFrame:
    """600 hourly bars of BTC/USDT:USDT from 2024-01-01, written through the real market data store."""
    bars = bars_from_closes(100 * np.exp(np.cumsum(np.random.default_rng(5).normal(0, 0.01, 600))), 0.002)
    market_data_store().write_bars(
        exchange="binance_futures", symbol="BTC/USDT:USDT", timeframe="1h", bars=bars
    )
    return bars


def test_given_stored_bars_when_backtest_by_symbol_then_it_runs_on_the_stored_range(
    app: typer.Typer, stored: pd.DataFrame
) -> None:
    # When: no --timeframe, so the strategy's own (1h)
    result = RUNNER.invoke(
        app, ["backtest", "-s", "sma_cross", "--symbol", "BTC/USDT:USDT", "--start", "2024-01-03",
              "--end", "2024-01-20", "--json"],
    )  # fmt: skip

    # Then: the very bars of those days were used
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    expected = backtest(stored.loc["2024-01-03":"2024-01-20"], "sma_cross")
    assert body["reproducibility"]["bars_fingerprint"] == expected.record.bars_fingerprint
    assert body["metrics"]["final_value"] == pytest.approx(expected.metrics["final_value"], rel=1e-12)


@pytest.mark.parametrize(
    "args",
    [
        ["sweep", "-s", "sma_cross", "-r", "fast=3,5", "-r", "slow=20,30"],
        ["walk-forward", "-s", "sma_cross", "-r", "fast=3,5", "-r", "slow=20,30", "--windows", "2"],
    ],
    ids=["sweep", "walk-forward"],
)
def test_given_stored_bars_when_sweep_or_walk_forward_by_symbol_then_results(
    app: typer.Typer, stored: pd.DataFrame, args: list[str]
) -> None:
    # When
    result = RUNNER.invoke(app, [*args, "--symbol", "BTC/USDT:USDT", "--timeframe", "1h", "--json"])

    # Then
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["results"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--symbol", "ETH/USDT:USDT"], "[BARS_NOT_FOUND]"),
        (["--symbol", "BTC/USDT:USDT", "--start", "2030-01-01"], "no bars of BTC/USDT:USDT"),
        (["--symbol", "BTC/USDT:USDT", "--exchange", "kraken"], "[BARS_NOT_FOUND]"),
        (["--symbol", "BTC/USDT:USDT", "--data", "bars.csv"], "not both"),
    ],
    ids=["unknown symbol", "empty range", "other exchange", "two sources"],
)
def test_given_stored_bars_when_symbol_cannot_serve_then_one_line_error_and_exit_2(
    app: typer.Typer, stored: pd.DataFrame, args: list[str], message: str
) -> None:
    # When
    result = RUNNER.invoke(app, ["backtest", "-s", "sma_cross", *args])

    # Then
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
