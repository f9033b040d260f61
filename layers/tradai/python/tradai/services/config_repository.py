"""Config versions on the DocumentStore port, and which of them a run uses.

Keys (docs/data-model.md): a config at `CONFIG#<strategy>`/`VERSION#<config_id>`; the strategy's
active config id at `CONFIG#<strategy>`/`ACTIVE`; its version counter at `CONFIG#<strategy>`/`COUNTER`;
a config name at `CONFIGNAME#<name>`/`CONFIGNAME`.
"""

from __future__ import annotations

import logging

from pydantic import ValidationError

from tradai.domain.configs import ConfigDeprecated, ConfigNotFound, ConfigStatus, ConfigVersion
from tradai.domain.errors import ConditionFailed, NotFound
from tradai.domain.store import ItemAbsent, Key, Put, Record, Update
from tradai.ports import DocumentStore

log = logging.getLogger(__name__)

_PAGE = 200


def config_partition(strategy_name: str) -> str:
    """The partition of a strategy's configs."""
    return f"CONFIG#{strategy_name}"


def config_key(strategy_name: str, config_id: str) -> Key:
    """Where one config version is stored."""
    return Key(config_partition(strategy_name), f"VERSION#{config_id}")


def active_key(strategy_name: str) -> Key:
    """The pointer to a strategy's active config."""
    return Key(config_partition(strategy_name), "ACTIVE")


def name_key(name: str) -> Key:
    """The pointer from a config name to its config."""
    return Key(f"CONFIGNAME#{name}", "CONFIGNAME")


class ConfigRepository:
    """Reads config versions and the pointers to them; the configs service writes them."""

    def __init__(self, store: DocumentStore) -> None:
        self._store = store

    def get(self, strategy_name: str, config_id: str) -> ConfigVersion:
        """One config version. Raises `ConfigNotFound`."""
        record = self._store.get(config_key(strategy_name, config_id))
        if record is None:
            raise ConfigNotFound(f"strategy {strategy_name!r} has no config {config_id!r}")
        return ConfigVersion.model_validate(record.data)

    def versions(self, strategy_name: str) -> list[ConfigVersion]:
        """A strategy's config versions, oldest first."""
        found: list[ConfigVersion] = []
        cursor: str | None = None
        while True:
            page = self._store.query(
                config_partition(strategy_name), sk_prefix="VERSION#", limit=_PAGE, cursor=cursor
            )
            for record in page.records:
                try:
                    found.append(ConfigVersion.model_validate(record.data))
                except ValidationError as exc:
                    log.error("skipping unreadable config %s: %s", record.key.sk, exc.errors()[:3])
            if page.cursor is None:
                return sorted(found, key=lambda config: config.version)
            cursor = page.cursor

    def active_id(self, strategy_name: str) -> str | None:
        """The id of the strategy's active config, if one is active."""
        record = self._store.get(active_key(strategy_name))
        return str(record.data["config_id"]) if record else None

    def active(self, strategy_name: str) -> ConfigVersion | None:
        """The strategy's active config, if one is active."""
        config_id = self.active_id(strategy_name)
        return self.get(strategy_name, config_id) if config_id else None

    def by_name(self, name: str) -> ConfigVersion | None:
        """The config with this name, if any."""
        record = self._store.get(name_key(name))
        if record is None:
            return None
        return self.get(str(record.data["strategy_name"]), str(record.data["config_id"]))

    def next_version(self, strategy_name: str) -> int:
        """Allocate the next version number of a strategy's configs (atomic across writers)."""
        counter = Key(config_partition(strategy_name), "COUNTER")
        for _ in range(3):
            try:
                return int(self._store.update(Update(counter, add={"count": 1})).data["count"])
            except NotFound:
                try:
                    self._store.put(Record(counter, {"count": 1}), condition=ItemAbsent())
                except ConditionFailed:
                    continue  # another writer created it first: increment theirs
                return 1
        raise ConditionFailed(f"could not allocate a config version for {strategy_name!r}")

    @staticmethod
    def create_operations(config: ConfigVersion) -> list[Put]:
        """The create-only writes of a new config (and of its name, when it has one)."""
        operations = [
            Put(
                Record(config_key(config.strategy_name, config.config_id), config.model_dump(mode="json")),
                ItemAbsent(),
            )
        ]
        if config.name:
            operations.append(
                Put(
                    Record(
                        name_key(config.name),
                        {"strategy_name": config.strategy_name, "config_id": config.config_id},
                    ),
                    ItemAbsent(),
                )
            )
        return operations


def runnable_config(
    *, store: DocumentStore, strategy_name: str, config_id: str | None
) -> ConfigVersion | None:
    """The config a run should use: the one named, else the active one (None when none is active).

    Trading instances (issue 8) call this before starting a run.

    Raises:
        ConfigNotFound: `config_id` names no config.
        ConfigDeprecated: the config is deprecated and may not run.
    """
    repository = ConfigRepository(store)
    config = repository.get(strategy_name, config_id) if config_id else repository.active(strategy_name)
    if config is not None and config.status is ConfigStatus.DEPRECATED:
        raise ConfigDeprecated(f"config {config.config_id} is deprecated and cannot be run")
    return config
