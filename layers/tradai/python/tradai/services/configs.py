"""Config use cases: create a version (checked against the strategy's parameters), activate, deprecate
(which config a run uses is `config_repository.runnable_config`).

Exactly one config of a strategy is active: activation moves the `ACTIVE` pointer and both configs'
statuses in one store transaction, each write conditioned on the state it was read in.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from tradai.domain.configs import ConfigDeprecated, ConfigNameTaken, ConfigStatus, ConfigVersion
from tradai.domain.errors import ConditionFailed, Conflict
from tradai.domain.store import Attr, Delete, ItemAbsent, Put, Record, Update, WriteOperation
from tradai.domain.strategies import StrategyInfo, UnknownStrategy
from tradai.domain.strategy_versions import StrategyNotFound
from tradai.ports import DocumentStore, StrategyCatalog
from tradai.services.config_repository import ConfigRepository, active_key, config_key
from tradai.services.parameter_schema import validated_config_data
from tradai.services.strategy_repository import StrategyRepository


class ConfigChangedConcurrently(Conflict):
    """Another request changed the strategy's configs at the same moment; retry."""

    code = "CONFIG_CHANGED_CONCURRENTLY"


def create_config(
    *,
    store: DocumentStore,
    catalog: StrategyCatalog,
    strategy_name: str,
    config_data: dict[str, Any],
    description: str = "",
    name: str | None = None,
    owner: str,
    now: datetime,
    new_id: Callable[[], str] = lambda: str(uuid.uuid4()),
) -> ConfigVersion:
    """Store a new, inactive config version of a registered strategy (or of an engine strategy).

    Raises:
        StrategyNotFound: neither a registered strategy nor an engine strategy goes by the name.
        InvalidConfig: a key of `config_data` is not a parameter, or a value is invalid (named).
        ConfigNameTaken: another config already has `name`.
    """
    info = _strategy_info(store, catalog, strategy_name)
    data = validated_config_data(catalog, info, config_data)
    repository = ConfigRepository(store)
    if name and repository.by_name(name) is not None:
        raise ConfigNameTaken(f"a config named {name!r} already exists")
    config = ConfigVersion(
        config_id=new_id(),
        strategy_name=strategy_name,
        version=repository.next_version(strategy_name),
        name=name,
        description=description,
        config_data=data,
        created_by=owner,
        created_at=now,
        updated_at=now,
    )
    try:
        store.transact(repository.create_operations(config))
    except ConditionFailed as exc:
        raise ConfigNameTaken(f"a config named {name!r} already exists") from exc
    return config


def activate_config(
    *, store: DocumentStore, strategy_name: str, config_id: str, now: datetime
) -> ConfigVersion:
    """Make `config_id` the strategy's one active config (the previous one becomes inactive).

    Raises:
        ConfigNotFound: no such config.
        ConfigDeprecated: the config is deprecated.
        ConfigChangedConcurrently: another activation or deprecation raced this one.
    """
    repository = ConfigRepository(store)
    config = repository.get(strategy_name, config_id)
    if config.status is ConfigStatus.DEPRECATED:
        raise ConfigDeprecated(f"config {config_id} is deprecated and cannot be activated")
    if config.status is ConfigStatus.ACTIVE:
        return config
    previous = repository.active_id(strategy_name)
    stamp = now.isoformat()
    operations: list[WriteOperation] = [
        Update(
            config_key(strategy_name, config_id),
            set={"status": ConfigStatus.ACTIVE.value, "updated_at": stamp},
            condition=Attr("status").eq(ConfigStatus.INACTIVE.value),
        ),
        Put(
            Record(active_key(strategy_name), {"config_id": config_id, "activated_at": stamp}),
            condition=ItemAbsent() if previous is None else Attr("config_id").eq(previous),
        ),
    ]
    if previous is not None:
        operations.append(
            Update(
                config_key(strategy_name, previous),
                set={"status": ConfigStatus.INACTIVE.value, "updated_at": stamp},
                condition=Attr("status").eq(ConfigStatus.ACTIVE.value),
            )
        )
    _apply(store, operations, strategy_name)
    return repository.get(strategy_name, config_id)


def deprecate_config(
    *, store: DocumentStore, strategy_name: str, config_id: str, now: datetime
) -> ConfigVersion:
    """Retire a config for good; deprecating the active config leaves the strategy with none active.

    Raises:
        ConfigNotFound: no such config.
        ConfigChangedConcurrently: another activation or deprecation raced this one.
    """
    repository = ConfigRepository(store)
    config = repository.get(strategy_name, config_id)
    if config.status is ConfigStatus.DEPRECATED:
        return config
    changes = {"status": ConfigStatus.DEPRECATED.value, "updated_at": now.isoformat()}
    operations: list[WriteOperation] = [
        Update(
            config_key(strategy_name, config_id),
            set=changes,
            condition=Attr("status").eq(config.status.value),
        )
    ]
    if config.status is ConfigStatus.ACTIVE:
        operations.append(Delete(active_key(strategy_name), condition=Attr("config_id").eq(config_id)))
    _apply(store, operations, strategy_name)
    return repository.get(strategy_name, config_id)


def _apply(store: DocumentStore, operations: list[WriteOperation], strategy_name: str) -> None:
    try:
        store.transact(operations)
    except ConditionFailed as exc:
        raise ConfigChangedConcurrently(
            f"the configs of {strategy_name!r} changed while this request ran; retry"
        ) from exc


def _strategy_info(store: DocumentStore, catalog: StrategyCatalog, strategy_name: str) -> StrategyInfo:
    versions = StrategyRepository(store).versions(strategy_name)
    strategy_class = versions[-1].strategy_class if versions else strategy_name
    try:
        return catalog.describe(strategy_class)
    except UnknownStrategy as exc:
        raise StrategyNotFound(f"no strategy named {strategy_name!r}: {exc.detail}") from exc
