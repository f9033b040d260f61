"""`tradai mlflow ui`: MLflow's server on the local registry store (the one `tradai serve` uses)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

import typer

from tradai.settings import get_settings

app = typer.Typer(help="The model registry (MLflow).", no_args_is_help=True)


@app.command()
def ui(
    host: str = typer.Option("127.0.0.1", help="Interface to bind."),
    port: int = typer.Option(5000, help="Port to bind."),
) -> None:
    """Serve MLflow (REST API, and its web UI when installed) on the local registry store."""
    settings = get_settings()
    uri = settings.registry_uri
    if uri.startswith("sqlite:///"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    if not _ui_build_installed():
        typer.echo(
            "note: mlflow-skinny ships MLflow's REST API but not its web UI; for the UI install the full "
            "package into this environment (`.venv/bin/python -m pip install mlflow`).",
            err=True,
        )
    executable = shutil.which("mlflow", path=str(Path(sys.executable).parent)) or "mlflow"
    typer.echo(f"MLflow on {uri} at http://{host}:{port}", err=True)
    arguments = [
        "server",
        "--backend-store-uri",
        uri,
        "--registry-store-uri",
        uri,
        "--host",
        host,
        "--workers",
        "1",
    ]
    os.execvp(executable, [executable, *arguments, "--port", str(port)])  # noqa: S606 (our own venv's mlflow)


def _ui_build_installed() -> bool:
    spec = importlib.util.find_spec("mlflow")
    if spec is None or spec.origin is None:
        return False
    return (Path(spec.origin).parent / "server" / "js" / "build" / "index.html").exists()


def register(root: typer.Typer) -> None:
    """Add `tradai mlflow` to the `tradai` app."""
    root.add_typer(app, name="mlflow")
