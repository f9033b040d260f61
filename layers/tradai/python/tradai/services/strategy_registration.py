"""Registering a strategy version: an engine strategy class with checked default parameters."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tradai.domain.strategy_versions import StrategyVersion
from tradai.ports import DocumentStore, StrategyCatalog
from tradai.services.parameter_schema import validated_parameters
from tradai.services.strategy_repository import StrategyRepository


@dataclass(frozen=True)
class NewVersion:
    """What registering a strategy version asks for."""

    name: str
    version: str
    strategy_class: str | None = None
    """Defaults to `name` (a built-in or user strategy of that name)."""
    description: str = ""
    parameters: dict[str, Any] = field(default_factory=dict)
    timeframe: str | None = None
    pairs: list[str] | None = None
    exchange: str = "binance_futures"


def register_version(
    *,
    store: DocumentStore,
    catalog: StrategyCatalog,
    request: NewVersion,
    now: datetime,
    new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
) -> StrategyVersion:
    """Register a version of a strategy, running an engine strategy class with default parameters.

    Raises:
        UnknownStrategy: no strategy class goes by `strategy_class`.
        InvalidConfig: a default parameter is unknown or invalid.
        StrategyVersionExists: the strategy already has this version.
    """
    info = catalog.describe(request.strategy_class or request.name)
    version = StrategyVersion(
        id=new_id(),
        name=request.name,
        version=request.version,
        strategy_class=info.name,
        description=request.description,
        parameters=validated_parameters(catalog, info, request.parameters),
        timeframe=request.timeframe or info.timeframe,
        pairs=list(request.pairs or info.pairs),
        exchange=request.exchange,
        code_hash=info.code_hash,
        created_at=now,
        updated_at=now,
    )
    StrategyRepository(store).create(version)
    return version
