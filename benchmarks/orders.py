"""Order pipeline and ledger reads on the local runtime (SQLite), in-process.

Prints (one run, this machine):
- submit latency through the whole pipeline (budget reservation, paper broker, settlement,
  audit), p50/p95, one instance opening and closing trades;
- throughput of 8 threads submitting at once against one budget;
- list latency of `GET /api/v1/trading/orders` over the stored orders: newest page, a strategy's
  page (its own index partition) and a status filter (the orders filed under that status).

Run: `.venv/bin/python benchmarks/orders.py`.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.fakes import local_container  # noqa: E402

from tradai.adapters.paper_broker import PaperBroker  # noqa: E402
from tradai.adapters.sqlite_store import SqliteDocumentStore  # noqa: E402
from tradai.api.app import create_app  # noqa: E402
from tradai.api.routers import trading  # noqa: E402
from tradai.domain.orders import OrderIntent, Side  # noqa: E402
from tradai.services.order_pipeline import OrderPipeline  # noqa: E402

SEQUENTIAL = 400
CONCURRENT = 400
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def intent(number: int, *, instance: str, side: Side) -> OrderIntent:
    return OrderIntent(
        strategy_id=f"s{number % 4}",
        strategy_name="bench",
        instance_id=instance,
        symbol="BTC/USDT:USDT",
        side=side,
        quantity=0.01,
        reference_price=40_000 + number,
        created_at=T0 + timedelta(seconds=number),
    )


def percentile(values: list[float], share: float) -> float:
    return sorted(values)[min(len(values) - 1, int(len(values) * share))]


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        store = SqliteDocumentStore(Path(folder) / "store.sqlite3")
        pipeline = OrderPipeline(store=store, broker=PaperBroker(fee_rate=0.0004, slippage_bps=2))
        for strategy in range(4):
            pipeline.budgets.allocate(f"s{strategy}", "USDT", 1_000_000)

        latencies = []
        for number in range(SEQUENTIAL):
            side = Side.BUY if number % 8 < 4 else Side.SELL  # each strategy opens, then closes
            started = time.perf_counter()
            pipeline.submit(intent(number, instance="seq", side=side))
            latencies.append((time.perf_counter() - started) * 1000)
        print(
            f"submit, one instance: p50 {statistics.median(latencies):.1f} ms, "
            f"p95 {percentile(latencies, 0.95):.1f} ms over {SEQUENTIAL} orders"
        )

        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(
                pool.map(
                    lambda n: pipeline.submit(intent(SEQUENTIAL + n, instance=f"t{n % 8}", side=Side.BUY)),
                    range(CONCURRENT),
                )
            )
        elapsed = time.perf_counter() - started
        print(f"submit, 8 threads: {CONCURRENT / elapsed:.0f} orders/s ({CONCURRENT} in {elapsed:.1f} s)")

        container = local_container(Path(folder), store=store)
        app = create_app(routers=[trading.router], settings=container.settings, container=container)
        with TestClient(app) as client:
            client.get("/api/v1/trading/orders")  # warm up: the first request builds the app's caches
            for label, params in [
                ("newest 100", {}),
                ("one strategy's newest 100", {"strategy_id": "s1"}),
                ("status filter (keyed)", {"status": "DENIED"}),
            ]:
                times = []
                for _ in range(7):
                    started = time.perf_counter()
                    assert client.get("/api/v1/trading/orders", params=params).status_code == 200
                    times.append((time.perf_counter() - started) * 1000)
                print(
                    f"GET /trading/orders {label}: p50 {statistics.median(times):.1f} ms "
                    f"over {SEQUENTIAL + CONCURRENT} stored orders"
                )


if __name__ == "__main__":
    main()
