"""The `tradai` command line: one Typer app; each command group lives in its own module."""

from __future__ import annotations

import typer

from tradai import __version__
from tradai.cli import auth, backtest, data, mlflow, server, worker

app = typer.Typer(
    name="tradai",
    help="TradAI: backtest, version and run crypto trading strategies.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(show: bool) -> None:
    if show:
        typer.echo(f"tradai {__version__}")
        raise typer.Exit


@app.callback()
def main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
) -> None:
    """TradAI: backtest, version and run crypto trading strategies."""


server.register(app)
auth.register(app)
backtest.register(app)
data.register(app)
worker.register(app)
mlflow.register(app)
