"""Dry-run trading on a real local server (`tradai serve`) and its demo data, end to end over HTTP.

A fast replay trades through the order pipeline; a second instance of the same strategy meets
its budget cap; a slow one is paused, resumed and stopped, and survives a server restart; a
killed one reads as failed.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_backtest_flow import Server

SYMBOL = "BTC/USDT:USDT"
RUN = "/api/v1/strategies/sma_cross/run"
FAST = {"symbols": [SYMBOL], "parameters": {"fast": 5, "slow": 20}, "bars_per_second": 400}
SLOW = {**FAST, "bars_per_second": 2}


def instance_path(instance_id: str, action: str = "") -> str:
    return f"/api/v1/strategies/sma_cross/instances/{instance_id}{action}"


class TradingServer(Server):
    """The e2e server with demo data on first start and a small, fast replay."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__(data_dir)
        self.env.update(
            {
                "TRADAI_REPLAY_BARS": "300",
                "TRADAI_INSTANCE_POLL_SECONDS": "0.1",
                "TRADAI_INSTANCE_STOP_TIMEOUT_SECONDS": "5",
            }
        )

    def run(self, **body: Any) -> dict[str, Any]:
        status, created = self.call("POST", RUN, {"mode": "dry-run", **body})
        assert status == 201, created
        return dict(created)

    def instance(self, instance_id: str) -> dict[str, Any]:
        status, found = self.call("GET", instance_path(instance_id))
        assert status == 200, found
        return dict(found)

    def until(
        self, instance_id: str, ok: Callable[[dict[str, Any]], bool], timeout: float = 120
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        found = self.instance(instance_id)
        while not ok(found):
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"instance {instance_id}: {found['status']} {found['stats']} {found['error']}"
                )
            time.sleep(0.2)
            found = self.instance(instance_id)
        return found


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TradingServer]:
    running = TradingServer(tmp_path_factory.mktemp("trading"))
    running.start()
    yield running
    for instance in running.call("GET", "/api/v1/trading/status")[1]["instances"]:  # leave nothing running
        running.call("POST", instance_path(instance["instance_id"], "/stop"))
    running.stop()


def test_given_demo_data_when_dry_run_replays_then_orders_flow_and_it_stops_at_the_end(
    server: TradingServer,
) -> None:
    # When
    created = server.run(capital=1000, **FAST)

    # Then: the replay runs to its last bar, trading the strategy's crossovers
    assert created["status"] in ("starting", "running")
    done = server.until(created["instance_id"], lambda i: i["status"] in ("stopped", "failed"))
    assert (done["status"], done["message"]) == ("stopped", "replay finished: no more stored bars"), done
    stats = done["stats"]
    assert stats["bars_processed"] == 301
    assert stats["orders_submitted"] >= 2
    assert stats["orders_denied"] == 0
    _, logs = server.call("GET", instance_path(created["instance_id"], "/logs?limit=500"))
    messages = [line["message"] for line in logs["lines"]]
    assert "instance started" in messages
    assert any(message.startswith("order BUY") for message in messages)

    # And its orders, fills, positions and P&L are in the ledger's routes
    orders = of_instance(server, "/api/v1/trading/orders?strategy_id=sma_cross&limit=1000", "orders", created)
    assert len(orders) == stats["orders_submitted"]
    assert {order["status"] for order in orders} == {"FILLED"}
    assert {order["instrument_id"] for order in orders} == {"BTCUSDT.BINANCE"}
    _, fills = server.call("GET", f"/api/v1/trading/orders/{orders[-1]['client_order_id']}/fills")
    assert fills["count"] >= 1
    assert fills["fills"][0]["price"] > 0
    closed = of_instance(
        server, "/api/v1/trading/positions?strategy_id=sma_cross&status=closed", "positions", created
    )
    assert len(closed) >= 1
    assert all(position["exit_price"] is not None for position in closed)
    _, budget = server.call("GET", "/api/v1/budget/sma_cross")
    usdt = next(item for item in budget["budgets"] if item["currency"] == "USDT")
    assert usdt["allocated"] == 1000
    assert usdt["total_fees"] > 0
    # entries use the whole capital, net of the slippage and fee buffer: the budget is never overspent
    assert usdt["available"] >= 0
    assert usdt["committed"] <= usdt["allocated"]
    assert usdt["realized_pnl"] == pytest.approx(sum(p["realized_pnl"] for p in closed), abs=1e-6)
    _, pnl = server.call("GET", "/api/v1/strategies/pnl")
    assert "sma_cross" in str(pnl)


def test_given_budget_of_a_smaller_instance_when_a_bigger_one_enters_then_its_orders_are_denied(
    server: TradingServer,
) -> None:
    # Given the strategy's budget, set by its first instance's capital (1000 USDT)
    # When an instance with far more capital trades the same strategy
    created = server.run(capital=1_000_000, **FAST)

    # Then every entry is denied by the budget, and no position is ever opened
    done = server.until(created["instance_id"], lambda i: i["status"] in ("stopped", "failed"))
    assert done["status"] == "stopped", done
    assert done["stats"]["orders_denied"] >= 1
    assert done["stats"]["orders_submitted"] == 0
    _, logs = server.call("GET", instance_path(created["instance_id"], "/logs?limit=500"))
    denied = [line["message"] for line in logs["lines"] if line["message"].startswith("order denied")]
    assert denied
    assert all("INSUFFICIENT_BUDGET" in message for message in denied)

    # And the ledger keeps each denied order with its reason
    query = "/api/v1/trading/orders?strategy_id=sma_cross&status=DENIED&limit=1000"
    orders = of_instance(server, query, "orders", created)
    assert len(orders) == done["stats"]["orders_denied"]
    status, reason = server.call("GET", f"/api/v1/trading/orders/{orders[0]['client_order_id']}/deny-reason")
    assert (status, reason["deny_reason"]) == (200, "INSUFFICIENT_BUDGET")
    assert reason["detail"]


def test_given_slow_instance_when_paused_resumed_and_stopped_then_status_and_counts_follow(
    server: TradingServer,
) -> None:
    # Given a slow replay that is trading
    instance_id = server.run(capital=1000, **SLOW)["instance_id"]
    server.until(instance_id, lambda i: i["status"] == "running" and i["stats"]["bars_processed"] > 0)

    # When paused
    status, paused = server.call("POST", instance_path(instance_id, "/pause"))

    # Then it stays paused and is counted as paused
    assert (status, paused["status"]) == (200, "paused")
    summary = server.call("GET", "/api/v1/trading/status")[1]["summary"]
    assert summary["paused"] == 1

    # When resumed, it trades on; when stopped, it ends gracefully
    assert server.call("POST", instance_path(instance_id, "/resume"))[1]["status"] == "running"
    status, stopped = server.call("POST", instance_path(instance_id, "/stop"))
    assert (status, stopped["status"], stopped["message"]) == (200, "stopped", "stopped on request")
    again = server.call("POST", instance_path(instance_id, "/stop"))
    assert (again[0], again[1]["code"]) == (409, "INVALID_INSTANCE_TRANSITION")


def test_given_running_instance_when_server_restarts_then_found_again_still_running(
    server: TradingServer,
) -> None:
    # Given a slow instance, and a server stopped and started again
    instance_id = server.run(capital=1000, **SLOW)["instance_id"]
    server.until(instance_id, lambda i: i["status"] == "running")
    pid = stored_pid(server.data_dir, instance_id)
    server.stop()
    server.start()

    # When / Then: the same process still trades, and the new server can stop it
    found = server.instance(instance_id)
    assert found["status"] == "running"
    assert stored_pid(server.data_dir, instance_id) == pid
    os.kill(pid, 0)
    assert server.call("POST", instance_path(instance_id, "/stop"))[1]["status"] == "stopped"


def test_given_running_instance_when_its_process_is_killed_then_failed_with_last_log_lines(
    server: TradingServer,
) -> None:
    # Given
    instance_id = server.run(capital=1000, **SLOW)["instance_id"]
    server.until(instance_id, lambda i: i["status"] == "running")

    # When
    os.kill(stored_pid(server.data_dir, instance_id), signal.SIGKILL)

    # Then
    failed = server.until(instance_id, lambda i: i["status"] != "running")
    assert failed["status"] == "failed"
    assert failed["error"]["code"] == "INSTANCE_DIED"
    assert "SIGKILL" in failed["error"]["message"]
    assert "instance started" in failed["error"]["last_log_lines"]
    assert server.call("GET", "/api/v1/trading/status")[1]["summary"]["failed"] == 1


def stored_pid(data_dir: Path, instance_id: str) -> int:
    from tradai.adapters.sqlite_store import SqliteDocumentStore
    from tradai.services.instance_repository import InstanceRepository

    instance = InstanceRepository(SqliteDocumentStore(data_dir / "tradai.sqlite3")).get(instance_id)
    assert instance.runtime_ref is not None
    return int(instance.runtime_ref.removeprefix("pid:"))


def of_instance(server: TradingServer, path: str, key: str, instance: dict[str, Any]) -> list[dict[str, Any]]:
    """The items of a ledger list that belong to `instance`."""
    status, body = server.call("GET", path)
    assert status == 200, body
    return [item for item in body[key] if item["instance_id"] == instance["instance_id"]]
