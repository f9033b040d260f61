"""`tradai backtest`, `tradai sweep` and `tradai walk-forward`: run the engine from the command line.

Heavy modules (pandas, numba, the engine) are imported inside the commands: this module is
imported by every `tradai` invocation.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from tradai.cli.bars_source import BARS_SOURCE, BarsSource, with_bars_source
from tradai.cli.errors import one_line_errors

if TYPE_CHECKING:
    import pandas as pd

    from tradai.cli.remote import Client

STRATEGY = typer.Option(
    ..., "--strategy", "-s", help="Strategy name (built-in or from TRADAI_STRATEGY_PATH)."
)
PARAM = typer.Option(None, "--param", "-p", help="Parameter as NAME=VALUE; repeat for several.")
SLIPPAGE = typer.Option(0.0, "--slippage", help="Adverse price move per fill, as a fraction.")
FILL = typer.Option("open", "--fill", help="Fill at the next bar's 'open' or the signal bar's 'close'.")
JSON = typer.Option(False, "--json", help="Print one JSON object on stdout instead of tables.")
SERVER = typer.Option(
    None,
    "--server",
    help="Run on this TradAI server (http://host:port) and follow it live, instead of here; on its "
    "stored bars, with the same options (--data and --fill close are refused).",
)
TOKEN = typer.Option(None, "--token", help="Bearer token for --server when it requires authentication.")
RANGE = typer.Option(
    None, "--range", "-r", help="Values to try as NAME=V1,V2,... (default: declared ranges)."
)
METRIC = typer.Option("sharpe", "--metric", help="Metric to rank by.")


@with_bars_source
def backtest(
    strategy: str = STRATEGY,
    param: list[str] | None = PARAM,
    source: BarsSource = BARS_SOURCE,
    slippage: float = SLIPPAGE,
    fill: str = FILL,
    as_json: bool = JSON,
    server: str | None = SERVER,
    token: str | None = TOKEN,
) -> None:
    """Backtest a strategy on bars from a CSV file or the market data store, or on a server with --server."""
    if server is not None:
        from tradai.cli.remote import Client

        with one_line_errors():
            _backtest_on_server(
                Client(server, token), strategy, param, source, as_json, slippage=slippage, fill=fill
            )
        return
    with one_line_errors():
        from tradai.engine import backtest as run

        bars = source.bars(lambda: _strategy_timeframe(strategy))
        settings = source.settings(slippage=slippage, fill=fill)
        with _progress(as_json) as progress:
            result = run(
                bars, strategy, _params(param), strategy_path=_strategy_path(), progress=progress, **settings
            )
        if as_json:
            typer.echo(json.dumps(result.to_dict()))
        else:
            _print_metrics(f"{result.record.strategy} {result.record.strategy_version}", result.metrics)


@with_bars_source
def sweep(
    strategy: str = STRATEGY,
    value_range: list[str] | None = RANGE,
    param: list[str] | None = PARAM,
    method: str = typer.Option("grid", "--method", help="grid or random."),
    samples: int = typer.Option(50, "--samples", help="Random draws (method random)."),
    points: int = typer.Option(5, "--points", help="Grid points per declared range (no --range)."),
    metric: str = METRIC,
    top: int = typer.Option(10, "--top", help="Rows of the ranked table to show."),
    seed: int = typer.Option(0, "--seed", help="Seed of random search."),
    source: BarsSource = BARS_SOURCE,
    as_json: bool = JSON,
) -> None:
    """Backtest many parameter sets in parallel and rank them by a metric."""
    with one_line_errors():
        from tradai.engine import sweep as run

        bars = source.bars(lambda: _strategy_timeframe(strategy))
        with _progress(as_json) as progress:
            result = run(
                bars, strategy, _space(value_range), method=method, samples=samples, points=points,
                metric=metric, params=_params(param), seed=seed, strategy_path=_strategy_path(),
                progress=progress, full_metrics=None if as_json else top,  # the rows shown, in full
                **source.settings(),
            )  # fmt: skip
        if as_json:
            typer.echo(
                json.dumps(
                    _table_json(
                        result.table,
                        {
                            "best_params": result.best_params,
                            "metric": metric,
                            "reproducibility": result.record.to_dict(),
                        },
                    )
                )
            )
        else:
            _print_table(f"sweep ranked by {metric}", result.table.head(top))


@with_bars_source
def walk_forward(
    strategy: str = STRATEGY,
    value_range: list[str] | None = RANGE,
    windows: int = typer.Option(5, "--windows", help="Out-of-sample windows."),
    train_fraction: float = typer.Option(
        0.7, "--train-fraction", help="Share of bars in the first training window."
    ),
    anchored: bool = typer.Option(False, "--anchored", help="Always train from the first bar."),
    metric: str = METRIC,
    points: int = typer.Option(5, "--points", help="Grid points per declared range (no --range)."),
    source: BarsSource = BARS_SOURCE,
    as_json: bool = JSON,
) -> None:
    """Optimize in-sample, trade out-of-sample, window after window; report the stitched result."""
    with one_line_errors():
        from tradai.engine import walk_forward as run
        from tradai.engine.result import json_safe

        bars = source.bars(lambda: _strategy_timeframe(strategy))
        with _progress(as_json) as progress:
            result = run(
                bars, strategy, _space(value_range), windows=windows, train_fraction=train_fraction,
                anchored=anchored, metric=metric, points=points, strategy_path=_strategy_path(),
                progress=progress, **source.settings(),
            )  # fmt: skip
        if as_json:
            extra = {
                "metrics": json_safe(result.metrics),
                "efficiency_ratio": json_safe(result.efficiency_ratio),
                "reproducibility": result.record.to_dict(),
            }
            typer.echo(json.dumps(_table_json(result.windows, extra)))
        else:
            _print_table("walk-forward windows", result.windows)
            _print_metrics(f"out-of-sample (efficiency ratio {result.efficiency_ratio:.2f})", result.metrics)


def _backtest_on_server(
    client: Client,
    strategy: str,
    param: list[str] | None,
    source: BarsSource,
    as_json: bool,
    *,
    slippage: float,
    fill: str,
) -> None:
    """Submit the backtest the options describe and follow it; each option the local run honours is
    sent, or refused when a server cannot honour it (never dropped without a word)."""
    from tradai.cli.remote import submit_and_follow
    from tradai.domain.errors import InvalidInput

    if source.data is not None:
        raise InvalidInput(
            "--data reads a CSV on this machine; a server backtests its own stored bars: "
            "give --symbol (load the bars there with `tradai data`), or drop --server"
        )
    if fill != "open":
        raise InvalidInput(f"--fill {fill}: a server fills at the next bar's open; drop --fill, or --server")
    first, last = source.period()  # as the local run reads them: naive is UTC, a bare --end day whole
    if first is None or last is None:
        raise InvalidInput("--server needs --start and --end")
    settings = source.settings(slippage=slippage, fill=fill)
    body: dict[str, Any] = {
        "strategy_config": {"name": strategy, "parameters": _typed(_params(param))},
        "date_range": {"start": first.isoformat(), "end": last.isoformat()},
        "exchange": source.exchange,
        "capital": settings["capital"],
        "fees": settings["fees"],
        "slippage": settings["slippage"],
    }
    if source.symbol:
        body["symbols"] = [source.symbol]
    # Without --timeframe the local run reads the strategy's own; so does the server's job then.
    timeframe = source.timeframe or _server_timeframe(client, strategy)
    if timeframe:
        body["timeframe"] = timeframe
    with _progress(as_json) as progress:

        def show(message: dict[str, Any]) -> None:
            step = message.get("progress") or {}
            if step:
                progress(
                    step["current"] / max(step["total"], 1), str(message.get("message") or message["status"])
                )

        final = submit_and_follow(client, body, show)
    if final["status"] != "COMPLETED":
        error = final.get("error") or {}
        raise InvalidInput(
            f"job {final['job_id']} ended {final['status']}: {error.get('message', '')}".strip()
        )
    if as_json:
        typer.echo(json.dumps({"job_id": final["job_id"], "metrics": final["result"]}))
    else:
        _print_metrics(f"{strategy} on {client.base} (job {final['job_id']})", final["result"] or {})


def _server_timeframe(client: Client, strategy: str) -> str | None:
    """The timeframe of the server's `strategy` class; None if it cannot say (the submit will)."""
    from urllib.parse import quote

    from tradai.cli.remote import RemoteError

    try:
        detail = client.request("GET", f"/api/v1/catalog/strategies/{quote(strategy, safe='')}")
    except RemoteError:
        return None  # an unknown strategy: the submission answers UNKNOWN_STRATEGY
    timeframe = detail.get("timeframe")
    return str(timeframe) if timeframe else None


def _typed(values: dict[str, str]) -> dict[str, Any]:
    """Send NAME=VALUE parameters as numbers or booleans when they read as such (the API is typed)."""
    typed: dict[str, Any] = {}
    for name, text in values.items():
        lowered = text.lower()
        if lowered in ("true", "false"):
            typed[name] = lowered == "true"
            continue
        try:
            typed[name] = int(text)
        except ValueError:
            try:
                typed[name] = float(text)
            except ValueError:
                typed[name] = text
    return typed


def register(app: typer.Typer) -> None:
    """Add the backtest, sweep and walk-forward commands to the `tradai` app."""
    app.command()(backtest)
    app.command()(sweep)
    app.command("walk-forward")(walk_forward)


@contextmanager
def _progress(quiet: bool) -> Iterator[Callable[[float, str], None]]:
    """Yield a progress callback drawing a rich bar on stderr (nothing when stderr is not a terminal)."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console, transient=True,
        disable=quiet or not console.is_terminal,
    ) as bar:  # fmt: skip
        task = bar.add_task("starting", total=1.0)
        yield lambda fraction, message: bar.update(task, completed=fraction, description=message)


def _params(items: list[str] | None) -> dict[str, str]:
    return dict(_pair(item) for item in items or [])


def _space(items: list[str] | None) -> dict[str, list[str]] | None:
    if not items:
        return None
    return {name: [v for v in values.split(",") if v.strip()] for name, values in map(_pair, items)}


def _pair(item: str) -> tuple[str, str]:
    from tradai.domain.errors import InvalidParameter

    name, sep, value = item.partition("=")
    if not sep or not name.strip():
        raise InvalidParameter(f"expected NAME=VALUE, got {item!r}")
    return name.strip(), value.strip()


def _strategy_path() -> Path | None:
    from tradai.settings import get_settings

    path: Path | None = getattr(
        get_settings(), "strategy_path", None
    )  # TRADAI_STRATEGY_PATH, when configured
    return path


def _strategy_timeframe(strategy: str) -> str:
    """The timeframe to read from the store when --timeframe is not given: the strategy's own."""
    from tradai.engine.registry import resolve_strategy

    return resolve_strategy(strategy, _strategy_path()).timeframe


def _scalar_items(metrics: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(key, value) for key, value in metrics.items() if not isinstance(value, dict)]


def _format(value: Any) -> str:
    if isinstance(value, float):
        return "n/a" if math.isnan(value) else f"{value:,.6g}"
    return str(value)


def _print_metrics(title: str, metrics: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    table.add_column("metric")
    table.add_column("value", justify="right")
    for key, value in _scalar_items(metrics):
        table.add_row(key, _format(value))
    Console().print(table)


def _print_table(title: str, frame: pd.DataFrame) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for column in frame.columns:
        table.add_column(str(column))
    for row in frame.itertuples(index=False):
        table.add_row(*(_format(value) for value in row))
    Console().print(table)


def _table_json(frame: pd.DataFrame, extra: dict[str, Any]) -> dict[str, Any]:
    from tradai.engine.result import json_safe

    rows = json.loads(frame.to_json(orient="records", date_format="iso"))
    return {**json_safe(extra), "results": rows}
