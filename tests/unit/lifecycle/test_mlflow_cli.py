"""`tradai mlflow ui` hands over to MLflow's server on the local registry store."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradai.cli import app
from tradai.cli import mlflow as mlflow_cli


def test_given_data_dir_when_ui_started_then_mlflow_serves_its_registry_store(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given: exec replaced by a recorder (the real one would replace the test process)
    started: list[list[str]] = []
    monkeypatch.setattr(mlflow_cli.os, "execvp", lambda _file, argv: started.append(argv))

    # When
    result = CliRunner().invoke(app, ["mlflow", "ui", "--port", "5055"])

    # Then
    assert result.exit_code == 0, result.output
    (argv,) = started
    store = f"sqlite:///{(data_dir / 'mlflow' / 'mlflow.db').resolve()}"
    assert argv[1:] == [
        "server", "--backend-store-uri", store, "--registry-store-uri", store,
        "--host", "127.0.0.1", "--workers", "1", "--port", "5055",
    ]  # fmt: skip
    assert (data_dir / "mlflow").is_dir()
    assert "web UI" in result.output  # mlflow-skinny has no UI build: the command says so
