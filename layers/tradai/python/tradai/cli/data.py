"""`tradai data demo|import|sync|list`: fill and inspect the market-data store."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from tradai.cli.errors import one_line_errors

if TYPE_CHECKING:
    from rich.progress import TaskID

    from tradai.ports import MarketData

data_app = typer.Typer(help="Market data: demo bars, imports, exchange sync, listing.", no_args_is_help=True)


@data_app.command()
def demo(seed: int = typer.Option(42, help="Random seed; the same seed gives the same bars.")) -> None:
    """Store hourly demo bars for BTC, ETH and SOL perpetuals (binance_futures), 2023-01-01 to now."""
    from tradai.domain.clock import utc_now
    from tradai.services.demo_data import load_demo_data

    with one_line_errors():
        reports = load_demo_data(market_data=market_data_store(), now=utc_now(), seed=seed)
    for symbol, report in reports.items():
        typer.echo(f"{symbol}: {report.new_rows} bars ({report.data_version})")


@data_app.command("import")
def import_file(
    file: Path = typer.Argument(..., help="A .csv or .parquet file: a time column and OHLCV columns."),
    symbol: str = typer.Option(..., help="The bars' symbol, e.g. BTC/USDT:USDT."),
    timeframe: str = typer.Option(..., help="The bars' timeframe, e.g. 1h."),
    exchange: str = typer.Option("binance_futures", help="The exchange the bars belong to."),
) -> None:
    """Import bars from a CSV or Parquet file, merging them into the stored series."""
    from tradai.services.bar_files import import_bar_file

    with one_line_errors():
        report = import_bar_file(
            market_data=market_data_store(), path=file, exchange=exchange, symbol=symbol, timeframe=timeframe
        )
    typer.echo(f"{symbol}: {report.new_rows} new bars ({report.data_version})")


@data_app.command()
def sync(
    symbols: list[str] = typer.Argument(..., help="Symbols to sync, e.g. BTC/USDT:USDT ETH/USDT:USDT."),
    exchange: str = typer.Option("binance_futures", help="binance_futures, binance, or a ccxt id."),
    timeframe: str = typer.Option("1h", help="Bar timeframe."),
    start: datetime | None = typer.Option(
        None, help="Start when nothing is stored (or with --force-refresh)."
    ),
    force_refresh: bool = typer.Option(False, "--force-refresh", help="Download the range again."),
) -> None:
    """Fetch missing closed bars from the exchange into the store, with a progress bar per symbol."""
    from tradai.adapters.ccxt_exchange import CcxtExchange
    from tradai.domain.clock import utc_now
    from tradai.services.market_data import SyncRequest, sync_bars

    request = SyncRequest(
        symbols=symbols, exchange=exchange, timeframe=timeframe, start=start, force_refresh=force_refresh
    )
    with one_line_errors(), _progress() as on_progress:
        report = sync_bars(
            market_data=market_data_store(),
            exchange=CcxtExchange(),
            request=request,
            now=utc_now(),
            on_progress=on_progress,
        )
    for outcome in report.symbols:
        gaps = f", {len(outcome.gaps)} gap(s)" if outcome.gaps else ""
        status = f"error [{outcome.error_code}]: {outcome.error}" if outcome.error else "ok"
        typer.echo(f"{outcome.symbol}: {outcome.new_rows} new bars{gaps}; {status}")
    typer.echo(f"{report.status}: {report.new_rows} new bars in {report.duration_ms} ms")
    if report.status != "completed":
        raise typer.Exit(1)


@data_app.command("list")
def list_series(exchange: str | None = typer.Option(None, help="Only this exchange.")) -> None:
    """List the stored series: exchange, symbol, timeframe, range and rows."""
    from rich.console import Console
    from rich.table import Table

    with one_line_errors():
        series = market_data_store().list_series(exchange=exchange)
    table = Table("exchange", "symbol", "timeframe", "first", "last", "rows")
    for item in series:
        table.add_row(
            item.exchange,
            item.symbol,
            item.timeframe,
            f"{item.first:%Y-%m-%d %H:%M}",
            f"{item.last:%Y-%m-%d %H:%M}",
            str(item.rows),
        )
    Console().print(table if series else "No market data stored yet: try `tradai data demo`.")


def register(app: typer.Typer) -> None:
    """Add the `data` command group to the `tradai` app."""
    app.add_typer(data_app, name="data")


def market_data_store() -> MarketData:
    """Return this runtime's market-data store. Raises `MarketDataUnavailable` when it has none."""
    from tradai.bootstrap import build_container
    from tradai.domain.errors import MarketDataUnavailable
    from tradai.settings import get_settings

    market_data = build_container(get_settings()).market_data
    if market_data is None:
        raise MarketDataUnavailable("no market-data store is configured for this runtime")
    return market_data


@contextmanager
def _progress() -> Iterator[Callable[[str, int], None]]:
    """Yield a callback drawing one rich progress line per symbol (rows fetched so far)."""
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("{task.completed:,} bars"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=False,
    ) as progress:
        tasks: dict[str, TaskID] = {}

        def update(symbol: str, rows: int) -> None:
            if symbol not in tasks:
                tasks[symbol] = progress.add_task(symbol, total=None)
            progress.update(tasks[symbol], completed=rows)

        yield update
