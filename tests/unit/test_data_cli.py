"""`tradai data ...` on a Typer app of its own, against a fresh local data dir."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from tradai.cli import data


@pytest.fixture
def cli() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Test root."""

    data.register(app)
    return app


def test_given_empty_store_when_demo_loaded_then_list_shows_three_symbols(
    cli: typer.Typer, data_dir: Path
) -> None:
    # Given
    runner = CliRunner()

    # When
    loaded = runner.invoke(cli, ["data", "demo"])
    listed = runner.invoke(cli, ["data", "list"], env={"COLUMNS": "200"})

    # Then: from 2023-01-01 to the last closed hour, at least two years
    assert loaded.exit_code == 0, loaded.output
    counts = {int(n) for n in re.findall(r"USDT:USDT: (\d+) bars", loaded.output)}
    (bars,) = counts
    assert bars >= 2 * 365 * 24
    assert listed.exit_code == 0
    for symbol in ("BTC/USDT:USDT", "ETH/USDT:USDT", "SOL/USDT:USDT"):
        assert symbol in listed.output
    assert listed.output.count(str(bars)) == 3


def test_given_csv_when_imported_then_bars_stored(cli: typer.Typer, data_dir: Path, tmp_path: Path) -> None:
    # Given
    path = tmp_path / "bars.csv"
    path.write_text(
        "date,open,high,low,close,volume\n2024-01-01T00:00Z,1,2,0.5,1.5,10\n2024-01-01T01:00Z,1.5,2,1,1.8,12\n"
    )

    # When
    result = CliRunner().invoke(
        cli,
        ["data", "import", str(path), "--symbol", "BTC/USDT", "--timeframe", "1h", "--exchange", "binance"],
    )

    # Then
    assert result.exit_code == 0, result.output
    assert "BTC/USDT: 2 new bars" in result.output


def test_given_missing_file_when_imported_then_one_line_error_without_traceback(
    cli: typer.Typer, data_dir: Path, tmp_path: Path
) -> None:
    # Given / When
    result = CliRunner().invoke(
        cli, ["data", "import", str(tmp_path / "none.csv"), "--symbol", "BTC/USDT", "--timeframe", "1h"]
    )

    # Then
    assert result.exit_code == 2
    assert result.output.strip().startswith("error [INVALID_BAR_FILE]")
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_given_unknown_exchange_when_synced_then_symbol_failure_reported_and_exit_1(
    cli: typer.Typer, data_dir: Path
) -> None:
    # Given / When: the exchange name is refused before any request is made
    result = CliRunner().invoke(cli, ["data", "sync", "BTC/USDT", "--exchange", "nowhere"])

    # Then
    assert result.exit_code == 1
    assert "BTC/USDT: 0 new bars; error [UNKNOWN_EXCHANGE]" in result.output
    assert "failed: 0 new bars" in result.output


def test_given_recorded_exchange_when_synced_then_bars_stored_with_progress_and_gaps_reported(
    cli: typer.Typer, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given ccxt's real binanceusdm client answering from recorded responses (46 hourly bars of
    # 2024-01-01/02, hours 20 and 21 of the 2nd missing), its clock just after the last bar closed
    from tests.conftest import FakeClock
    from tests.recorded_exchange import FakeSleep, RecordedExchange
    from tradai.adapters import ccxt_exchange

    recorded, real = RecordedExchange(), ccxt_exchange.CcxtExchange
    clock = FakeClock(datetime(2024, 1, 3, 0, 30, tzinfo=UTC).timestamp())
    monkeypatch.setattr(
        ccxt_exchange,
        "CcxtExchange",
        lambda: real(
            factory=lambda ccxt_id: recorded.install(ccxt_exchange.build_ccxt_exchange(ccxt_id)),
            clock=clock,
            sleep=FakeSleep(clock),
        ),
    )

    # When
    synced = CliRunner().invoke(cli, ["data", "sync", "BTC/USDT:USDT", "--start", "2024-01-01"])
    listed = CliRunner().invoke(cli, ["data", "list"], env={"COLUMNS": "200"})

    # Then: a progress line per symbol, the per-symbol report with the hole, the bars stored
    assert synced.exit_code == 0, synced.output
    assert "BTC/USDT:USDT 46 bars" in synced.output
    assert "BTC/USDT:USDT: 46 new bars, 1 gap(s); ok" in synced.output
    assert "completed: 46 new bars" in synced.output
    assert "2024-01-02 23:00" in listed.output
