"""The local server's app: every route group, on the embedded adapters."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from tradai.adapters.process_executor import ProcessJobExecutor
from tradai.api.app import create_app
from tradai.api.routers import (
    ab_tests,
    backtest_results,
    backtest_submission,
    backtests,
    budget,
    catalog,
    catalog_detail,
    config_creation,
    configs,
    data,
    health,
    instances,
    models,
    promotions,
    strategies,
    strategy_ledger,
    strategy_registration,
    trading,
    ws,
)
from tradai.bootstrap import Container
from tradai.services.job_repository import JobRepository
from tradai.settings import Settings, get_settings

log = logging.getLogger(__name__)

# instances before strategies: its paths (`/strategies/{id}/run`, `.../instances`) are the more specific.
ROUTERS = [
    health.router,
    backtests.router,
    backtest_submission.router,
    backtest_results.router,
    ws.router,
    data.router,
    instances.router,
    strategy_ledger.router,  # before strategies: its fixed /strategies/pnl must win over {config_name}
    strategies.router,
    strategy_registration.router,
    configs.router,
    config_creation.router,
    trading.router,
    budget.router,
    promotions.router,
    models.router,
    models.mlflow_router,
    ab_tests.router,
    catalog.router,
    catalog_detail.router,
]
JOB_RUNNER = "tradai.services.job_runners:run"
"""Runs every kind of job: backtests, and market-data syncs too large to answer inline."""


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    container: Container = app.state.container_provider()  # open the stores now, not on the first request
    executor = ProcessJobExecutor(
        settings=settings,
        jobs=JobRepository(container.store),
        bus=container.job_bus,
        workers=settings.workers,
        runner=JOB_RUNNER,
        preload=("tradai.services.engine_warmup",),
    )
    container.executor = executor
    container.sync_executor = executor
    container.extra_probes["executor"] = executor
    executor.start()
    if settings.demo_data and container.market_data is not None:
        _load_demo_data_once(container)
    if settings.demo_data:
        _register_demo_strategy_once(container)
    _find_instances_again(container)
    log.info(
        "TradAI serving on the local runtime",
        extra={
            "data_dir": str(settings.data_dir.resolve()),
            "store": container.store.name,
            "workers": settings.workers,
        },
    )
    if settings.auth_mode == "none":
        log.warning("authentication is off (TRADAI_AUTH=none): anyone who can reach this server can use it")
    try:
        yield
    finally:
        executor.stop()


def _load_demo_data_once(container: Container) -> None:
    """Give a first start something to backtest: the seeded demo bars, when nothing is stored yet."""
    from tradai.domain.clock import utc_now
    from tradai.services.demo_data import demo_data_missing, load_demo_data

    assert container.market_data is not None
    if demo_data_missing(market_data=container.market_data):
        written = load_demo_data(market_data=container.market_data, now=utc_now())
        log.info("loaded demo market data", extra={"symbols": sorted(written)})


def _register_demo_strategy_once(container: Container) -> None:
    """Give a first start a strategy to look at: PascalStrategy 2.0.0 with its config `pascal-v2`."""
    from tradai.domain.clock import utc_now
    from tradai.services.demo_strategies import ensure_demo_strategy

    assert container.strategies is not None
    if ensure_demo_strategy(store=container.store, catalog=container.strategies, now=utc_now()):
        log.info("registered the demo strategy", extra={"config": "pascal-v2"})


def _find_instances_again(container: Container) -> None:
    """Instances outlive the server: find the running ones by pid; mark the ones that died failed."""
    from tradai.api.routers.instances import get_instance_service
    from tradai.domain.clock import utc_now

    if container.instance_runner is None:
        return
    active = get_instance_service(container).active_instances(now=utc_now())
    if active:
        log.info("found running strategy instances", extra={"instances": [i.instance_id for i in active]})


def create_local_app() -> FastAPI:
    """Build the app `tradai serve` runs."""
    return create_app(routers=ROUTERS, settings=get_settings(), lifespan=_lifespan)
