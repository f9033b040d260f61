"""The demo strategy a first start shows: PascalStrategy 2.0.0 with the active config `pascal-v2`."""

from __future__ import annotations

from datetime import datetime

from tradai.domain.strategy_versions import StrategyVersionExists
from tradai.ports import DocumentStore, StrategyCatalog
from tradai.services.config_repository import ConfigRepository
from tradai.services.configs import activate_config, create_config
from tradai.services.strategy_registration import NewVersion, register_version

DEMO_STRATEGY = "PascalStrategy"
DEMO_VERSION = "2.0.0"
DEMO_CONFIG = "pascal-v2"


def ensure_demo_strategy(*, store: DocumentStore, catalog: StrategyCatalog, now: datetime) -> bool:
    """Register the demo version and its active config unless they exist; True when it wrote anything."""
    wrote = False
    try:
        register_version(
            store=store,
            catalog=catalog,
            request=NewVersion(
                name=DEMO_STRATEGY,
                version=DEMO_VERSION,
                description="Trend pullbacks with momentum confirmation on BTC perpetuals, hourly",
            ),
            now=now,
        )
        wrote = True
    except StrategyVersionExists:
        pass
    if ConfigRepository(store).by_name(DEMO_CONFIG) is None:
        config = create_config(
            store=store,
            catalog=catalog,
            strategy_name=DEMO_STRATEGY,
            config_data={"timeframe": "1h", "pairs": ["BTC/USDT:USDT"], "exchange": "binance_futures"},
            description="The demo config of PascalStrategy 2.0.0",
            name=DEMO_CONFIG,
            owner="tradai",
            now=now,
        )
        activate_config(store=store, strategy_name=DEMO_STRATEGY, config_id=config.config_id, now=now)
        wrote = True
    return wrote
