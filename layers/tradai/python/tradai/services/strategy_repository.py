"""Strategy versions on the DocumentStore port.

Keys (docs/data-model.md): a version at `STRATEGY#<name>`/`VERSION#<version>`; every version in
`gsi1` under `STRATEGIES`, sorted by `<name>#<version>`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import ValidationError

from tradai.domain.errors import ConditionFailed, NotFound
from tradai.domain.store import IndexKey, ItemAbsent, Key, Put, Record, Update
from tradai.domain.strategy_versions import StrategyNotFound, StrategyVersion, StrategyVersionExists
from tradai.ports import DocumentStore

log = logging.getLogger(__name__)

ALL_STRATEGIES = "STRATEGIES"
_PAGE = 200


def strategy_partition(name: str) -> str:
    """The partition holding a strategy's versions (and its lifecycle record)."""
    return f"STRATEGY#{name}"


def version_key(name: str, version: str) -> Key:
    """Where one version is stored."""
    return Key(strategy_partition(name), f"VERSION#{version}")


class StrategyRepository:
    """Reads and writes strategy versions."""

    def __init__(self, store: DocumentStore) -> None:
        self._store = store

    def create(self, version: StrategyVersion) -> None:
        """Store a new version. Raises `StrategyVersionExists`."""
        operation = self.put_operation(version)
        try:
            self._store.put(operation.record, condition=operation.condition)
        except ConditionFailed as exc:
            raise StrategyVersionExists(
                f"strategy {version.name!r} already has version {version.version}"
            ) from exc

    def get(self, name: str, version: str) -> StrategyVersion:
        """One version. Raises `StrategyNotFound`."""
        record = self._store.get(version_key(name, version))
        if record is None:
            raise StrategyNotFound(f"strategy {name!r} has no version {version!r}")
        return StrategyVersion.model_validate(record.data)

    def versions(self, name: str) -> list[StrategyVersion]:
        """A strategy's versions, oldest first (empty when none is registered)."""
        found = list(self._records(strategy_partition(name), sk_prefix="VERSION#"))
        return sorted(found, key=lambda version: (version.created_at, version.version))

    def all(self) -> list[StrategyVersion]:
        """Every version of every strategy, by name then version."""
        return list(self._records(ALL_STRATEGIES, index="gsi1"))

    def names(self) -> list[str]:
        """The registered strategy names, sorted."""
        return sorted({version.name for version in self.all()})

    def update(self, name: str, version: str, changes: Mapping[str, Any]) -> StrategyVersion:
        """Set fields of an existing version. Raises `StrategyNotFound`."""
        try:
            record = self._store.update(self.update_operation(name, version, changes))
        except NotFound as exc:
            raise StrategyNotFound(f"strategy {name!r} has no version {version!r}") from exc
        return StrategyVersion.model_validate(record.data)

    def update_operation(self, name: str, version: str, changes: Mapping[str, Any]) -> Update:
        """The write of `update`, for a transaction; the version must exist."""
        return Update(version_key(name, version), set=dict(changes))

    def put_operation(self, version: StrategyVersion) -> Put:
        """The create-only write of a version, for a transaction."""
        return Put(
            Record(
                version_key(version.name, version.version),
                version.model_dump(mode="json"),
                indexes={"gsi1": IndexKey(ALL_STRATEGIES, f"{version.name}#{version.version}")},
            ),
            condition=ItemAbsent(),
        )

    def _records(
        self, partition: str, *, index: str | None = None, sk_prefix: str | None = None
    ) -> Iterator[StrategyVersion]:
        cursor: str | None = None
        while True:
            page = self._store.query(partition, index=index, sk_prefix=sk_prefix, limit=_PAGE, cursor=cursor)
            for record in page.records:
                try:
                    yield StrategyVersion.model_validate(record.data)
                except ValidationError as exc:
                    log.error("skipping unreadable strategy version %s: %s", record.key.sk, exc.errors()[:3])
            if page.cursor is None:
                return
            cursor = page.cursor
