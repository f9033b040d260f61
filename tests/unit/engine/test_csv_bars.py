"""Reading bars from CSV files: which column holds the time, and the forms a time may take."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tradai.engine.csv_bars import read_bars_csv

EXPECTED = pd.DatetimeIndex(
    [pd.Timestamp("2024-01-01T00:00", tz="UTC"), pd.Timestamp("2024-01-01T01:00", tz="UTC")]
)
ROWS = "1,2,0.5,1.5,10\n1.5,2,1,1.8,12\n"


def write(tmp_path: Path, header: str, times: tuple[str, str]) -> Path:
    lines = ROWS.splitlines()
    path = tmp_path / "bars.csv"
    path.write_text(f"{header}\n{times[0]},{lines[0]}\n{times[1]},{lines[1]}\n")
    return path


@pytest.mark.parametrize(
    ("header", "times"),
    [
        ("when,open,high,low,close,volume", ("2024-01-01 00:00", "2024-01-01 01:00")),
        (",open,high,low,close,volume", ("2024-01-01T00:00Z", "2024-01-01T01:00Z")),
    ],
    ids=["unnamed time column", "blank header"],
)
def test_given_no_column_named_like_a_time_when_read_then_the_first_column_is_the_time(
    tmp_path: Path, header: str, times: tuple[str, str]
) -> None:
    # When
    bars = read_bars_csv(write(tmp_path, header, times))

    # Then
    assert bars.index.equals(EXPECTED)
    assert list(bars.columns) == ["open", "high", "low", "close", "volume"]
    assert bars["close"].tolist() == [1.5, 1.8]


def test_given_a_named_time_column_that_is_not_first_when_read_then_it_is_the_time(tmp_path: Path) -> None:
    # Given: the first column is a row number, the time column is named (any case)
    path = tmp_path / "bars.csv"
    path.write_text(
        "n,Open,High,Low,Close,Volume,DateTime\n"
        "7,1,2,0.5,1.5,10,2024-01-01T00:00\n8,1.5,2,1,1.8,12,2024-01-01T01:00\n"
    )

    # When
    bars = read_bars_csv(path)

    # Then
    assert bars.index.equals(EXPECTED)


@pytest.mark.parametrize(
    "times",
    [("1704067200", "1704070800"), ("1704067200000", "1704070800000")],
    ids=["epoch seconds", "epoch milliseconds"],
)
def test_given_epoch_timestamps_when_read_then_utc_times(tmp_path: Path, times: tuple[str, str]) -> None:
    # When
    bars = read_bars_csv(write(tmp_path, "timestamp,open,high,low,close,volume", times))

    # Then
    assert bars.index.equals(EXPECTED)


def test_given_offset_times_when_read_then_converted_to_utc(tmp_path: Path) -> None:
    # When
    bars = read_bars_csv(
        write(
            tmp_path, "date,open,high,low,close,volume", ("2024-01-01T02:00+02:00", "2024-01-01T03:00+02:00")
        )
    )

    # Then
    assert bars.index.equals(EXPECTED)
