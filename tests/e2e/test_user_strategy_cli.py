"""`tradai backtest --server` with a user strategy: the server's jobs find TRADAI_STRATEGY_PATH too."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.e2e.test_backtest_flow import SYMBOL, Server, seed_bars
from tests.e2e.test_local_server import TRADAI
from tests.integration.jobs.test_user_strategy_jobs import USER_STRATEGY


def test_given_a_server_with_a_strategies_folder_when_the_cli_runs_its_strategy_there_then_metrics(
    tmp_path: Path,
) -> None:
    # Given: a real `tradai serve` whose strategies folder holds the user's file
    folder = tmp_path / "strategies"
    folder.mkdir()
    (folder / "user_cross.py").write_text(USER_STRATEGY)
    seed_bars(tmp_path / "data")
    server = Server(tmp_path / "data", workers=1)
    server.env["TRADAI_STRATEGY_PATH"] = str(folder)
    server.start()
    try:
        # When: the CLI submits the job and follows it to the end
        result = subprocess.run(
            [*TRADAI, "backtest", "--server", server.base, "--strategy", "user_cross", "--param", "fast=4",
             "--symbol", SYMBOL, "--start", "2024-01-01", "--end", "2024-03-01", "--json"],
            capture_output=True, text=True, timeout=180,
        )  # fmt: skip
    finally:
        server.stop()

    # Then: the job completed with the user strategy's trades
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["metrics"]["trades_count"] > 0
