"""`/api/v1/catalog`: ranked list, detail, compare, leaderboard, performance; and the score itself."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.unit.engine.test_strategy import MINE
from tests.unit.lifecycle.conftest import register
from tradai.adapters.engine_catalog import EngineStrategyCatalog
from tradai.bootstrap import Container
from tradai.domain.jobs import BacktestJob
from tradai.domain.strategy_versions import VersionMetrics
from tradai.services.ab_tests import record_trade
from tradai.services.catalog import composite_score

STRONG = {
    "sharpe_ratio": 2.0,
    "total_return": 0.6,
    "max_drawdown": -0.08,
    "trades_count": 60,
    "win_rate": 0.6,
}
WEAK = {"sharpe_ratio": 0.2, "total_return": 0.02, "max_drawdown": -0.3, "trades_count": 40, "win_rate": 0.45}


@pytest.fixture
def catalogued(client: TestClient, completed_backtest: Callable[..., BacktestJob]) -> None:
    """sma_cross 1.0.0 (weak) and 1.1.0 (strong), RsiReversion 1.0.0 (weak), Bollinger never tested."""
    register(client, "sma_cross")
    register(client, "sma_cross", "1.1.0", parameters={"fast": 5})
    register(client, "RsiReversion", strategy_class="rsi_reversion")
    register(client, "BollingerBreakout", strategy_class="bollinger_breakout")
    completed_backtest("sma_cross", "1.0.0", **WEAK)
    completed_backtest("sma_cross", "1.1.0", minutes=5, **STRONG)
    completed_backtest("RsiReversion", "1.0.0", minutes=10, **{**WEAK, "sharpe_ratio": 0.1})


def test_given_metrics_when_scored_then_documented_formula_bounds_and_order() -> None:
    perfect = VersionMetrics(sharpe_ratio=3, total_return=1, max_drawdown=0, trades=30, win_rate=1)
    hopeless = VersionMetrics(sharpe_ratio=-1, total_return=-0.5, max_drawdown=-0.5, trades=30, win_rate=0)
    few_trades = perfect.model_copy(update={"trades": 15})
    zero_sharpe = VersionMetrics(
        sharpe_ratio=0.0, total_return=0.0, max_drawdown=-0.25, trades=30, win_rate=0.5
    )
    assert composite_score(perfect) == 100.0
    assert composite_score(hopeless) == 0.0
    assert composite_score(few_trades) == 50.0  # half the trades for full confidence: half the score
    # 100 * (0.35 * 0.25 + 0.25 * 1/3 + 0.25 * 0.5 + 0.15 * 0.5), a zero metric is not a missing one
    assert composite_score(zero_sharpe) == pytest.approx(37.08, abs=0.01)
    assert composite_score(None) is None


def test_given_versions_when_catalog_listed_then_ranked_by_score_unscored_last(
    client: TestClient, catalogued: None
) -> None:
    body = client.get("/api/v1/catalog/strategies").json()
    ranked = [(s["name"], s["version"], s["rank"]) for s in body["strategies"]]
    assert ranked[0] == ("sma_cross", "1.1.0", 1)
    assert ranked[-1][0] == "BollingerBreakout"
    assert body["strategies"][-1]["score"] is None
    assert body["total"] == 4
    assert (body["limit"], body["offset"]) == (20, 0)
    filtered = client.get("/api/v1/catalog/strategies", params={"min_sharpe": 1.0}).json()
    assert [s["version"] for s in filtered["strategies"]] == ["1.1.0"]
    by_name = client.get("/api/v1/catalog/strategies", params={"sort_by": "name", "sort_order": "asc"}).json()
    assert by_name["strategies"][0]["name"] == "BollingerBreakout"


def test_given_empty_catalog_when_listed_then_seed_shapes(client: TestClient) -> None:
    assert client.get("/api/v1/catalog/strategies").json() == {
        "strategies": [],
        "total": 0,
        "limit": 20,
        "offset": 0,
    }
    assert client.get("/api/v1/catalog/leaderboard").json() == {
        "entries": [],
        "total": 0,
        "limit": 10,
        "offset": 0,
    }


def test_given_strategies_when_leaderboard_read_then_best_version_each_ranked(
    client: TestClient, catalogued: None
) -> None:
    body = client.get("/api/v1/catalog/leaderboard").json()
    assert [(e["rank"], e["name"], e["version"]) for e in body["entries"]] == [
        (1, "sma_cross", "1.1.0"),
        (2, "RsiReversion", "1.0.0"),
    ]
    assert body["total"] == 2
    assert body["entries"][0]["metrics"]["sharpe_ratio"] == 2.0


def test_given_engine_strategy_never_registered_when_detail_read_then_its_class_and_no_versions(
    client: TestClient,
) -> None:
    body = client.get("/api/v1/catalog/strategies/PascalStrategy").json()
    assert (body["name"], body["timeframe"], body["versions"]) == ("PascalStrategy", "1h", [])
    assert "ema_fast" in body["parameters"]
    missing = client.get("/api/v1/catalog/strategies/NoSuchThing")
    assert (missing.status_code, missing.json()["code"]) == (404, "STRATEGY_NOT_FOUND")


def test_given_registered_strategy_when_detail_read_then_versions_with_scores(
    client: TestClient, catalogued: None
) -> None:
    body = client.get("/api/v1/catalog/strategies/sma_cross").json()
    assert [v["version"] for v in body["versions"]] == ["1.0.0", "1.1.0"]
    assert body["best_score"] == body["versions"][1]["score"]
    assert body["strategy_class"] == "sma_cross"


def test_given_two_versions_when_compared_then_side_by_side_with_differences(
    client: TestClient, catalogued: None
) -> None:
    body = client.get(
        "/api/v1/catalog/strategies/sma_cross/compare", params={"version_a": "1.0.0", "version_b": "1.1.0"}
    ).json()
    assert body["version_a"]["metrics"]["sharpe_ratio"] == 0.2
    assert body["version_b"]["metrics"]["sharpe_ratio"] == 2.0
    assert body["differences"]["sharpe_ratio"] == pytest.approx(1.8)
    assert body["differences"]["trades"] == 20
    assert body["differences"]["score"] > 0


def test_given_bad_compare_requests_when_sent_then_422_or_404(client: TestClient, catalogued: None) -> None:
    missing = client.get("/api/v1/catalog/strategies/sma_cross/compare")
    half = client.get("/api/v1/catalog/strategies/sma_cross/compare", params={"version_a": "1.0.0"})
    unknown = client.get(
        "/api/v1/catalog/strategies/sma_cross/compare", params={"version_a": "1.0.0", "version_b": "7.0.0"}
    )
    no_strategy = client.get(
        "/api/v1/catalog/strategies/nope/compare", params={"version_a": "1", "version_b": "2"}
    )
    assert missing.status_code == 422
    assert "version_a" in missing.json()["detail"]
    assert "version_b" in missing.json()["detail"]
    assert half.status_code == 422
    assert (unknown.status_code, unknown.json()["code"]) == (404, "MODEL_VERSION_NOT_FOUND")
    assert no_strategy.status_code == 404


def test_given_backtests_and_live_trades_when_performance_read_then_both_over_time(
    client: TestClient, container: Container, catalogued: None
) -> None:
    # Given: three dry-run trades over two days
    day = datetime(2026, 5, 1, 10, tzinfo=UTC)
    for i, (offset, value) in enumerate([(0, 0.01), (1, 0.02), (25, -0.01)]):
        record_trade(
            store=container.store,
            strategy_name="sma_cross",
            version="1.1.0",
            trade_id=f"t{i}",
            return_pct=value,
            closed_at=day + timedelta(hours=offset),
            mode="dry_run",
        )

    # When
    body: dict[str, Any] = client.get("/api/v1/catalog/strategies/sma_cross/performance").json()

    # Then
    assert [b["version"] for b in body["backtests"]] == ["1.0.0", "1.1.0"]  # oldest first
    assert body["backtests"][1]["score"] is not None
    first, second = body["live"]
    assert (first["date"], first["trades"]) == ("2026-05-01", 2)
    assert first["return_pct"] == pytest.approx(1.01 * 1.02 - 1)
    assert second["cumulative_return"] == pytest.approx(1.01 * 1.02 * 0.99 - 1)
    assert client.get("/api/v1/catalog/strategies/nope/performance").status_code == 404


def test_given_a_user_strategy_file_that_broke_when_catalog_read_then_others_work_and_it_reports_why(
    client: TestClient, container: Container, tmp_path: Path
) -> None:
    # Given: a user strategy registered while its file imported, then the file broke
    folder = tmp_path / "user_strategies"
    folder.mkdir()
    (folder / "mine.py").write_text(MINE)
    container.strategies = EngineStrategyCatalog(folder)
    register(client, "mine", strategy_class="mine")
    (folder / "mine.py").write_text("def broken(:\n")

    # When
    mine = client.get("/api/v1/catalog/strategies/mine")
    builtin = client.get("/api/v1/catalog/strategies/PascalStrategy")
    ghost = client.get("/api/v1/catalog/strategies/ghost")

    # Then: the registered strategy still shows its versions and why its class cannot be described
    assert mine.status_code == 200, mine.text
    assert [v["version"] for v in mine.json()["versions"]] == ["1.0.0"]
    assert mine.json()["strategy_class"] is None
    assert "mine.py: SyntaxError" in mine.json()["class_error"]
    # And built-ins are untouched; an unknown name is a 422 naming the file it might be in
    assert (builtin.status_code, builtin.json()["timeframe"], builtin.json()["class_error"]) == (
        200,
        "1h",
        None,
    )
    assert (ghost.status_code, ghost.json()["code"]) == (422, "STRATEGY_ERROR")
    assert "mine.py" in ghost.json()["detail"]
