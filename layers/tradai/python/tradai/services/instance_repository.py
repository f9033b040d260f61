"""Strategy instances on the DocumentStore port: keys, indexes and atomic status transitions.

Keys (docs/data-model.md, patterns 12-14): the instance at `INSTANCE#<id>`/`INSTANCE`; a strategy's
instances in `gsi1` under `STRATEGY#<name>#INSTANCES`, and every instance in `gsi2` under
`INSTANCES#STATUS#<status>`, both sorted by `<created_at>#<id>` so lists come newest first.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from tradai.domain.errors import ConditionFailed, NotFound
from tradai.domain.instances import (
    InstanceNotFound,
    InstanceStatus,
    InvalidInstanceTransition,
    StrategyInstance,
    statuses_that_may_become,
)
from tradai.domain.store import Attr, IndexKey, ItemAbsent, Key, Put, Record, Update
from tradai.ports import DocumentStore

log = logging.getLogger(__name__)

_PAGE = 100


def instance_key(instance_id: str) -> Key:
    """Where an instance is stored."""
    return Key(f"INSTANCE#{instance_id}", "INSTANCE")


def strategy_partition(strategy_name: str) -> str:
    """The `gsi1` partition listing one strategy's instances."""
    return f"STRATEGY#{strategy_name}#INSTANCES"


def status_partition(status: InstanceStatus) -> str:
    """The `gsi2` partition listing the instances with one status."""
    return f"INSTANCES#STATUS#{status.value}"


def _order_key(instance: StrategyInstance) -> str:
    return f"{instance.created_at.isoformat()}#{instance.instance_id}"


def instance_record(instance: StrategyInstance) -> Record:
    """The stored form of an instance."""
    order = _order_key(instance)
    return Record(
        instance_key(instance.instance_id),
        instance.model_dump(mode="json"),
        indexes={
            "gsi1": IndexKey(strategy_partition(instance.strategy_name), order),
            "gsi2": IndexKey(status_partition(instance.status), order),
        },
    )


class InstanceRepository:
    """Reads and writes strategy instances; every status change is a conditional write."""

    def __init__(self, store: DocumentStore) -> None:
        self._store = store

    def create(self, instance: StrategyInstance) -> None:
        """Store a new instance. Raises `ConditionFailed` if the id is taken."""
        self._store.transact([Put(instance_record(instance), condition=ItemAbsent())])

    def get(self, instance_id: str) -> StrategyInstance:
        """Return the instance. Raises `InstanceNotFound`."""
        record = self._store.get(instance_key(instance_id))
        if record is None:
            raise InstanceNotFound(f"instance {instance_id} not found")
        return StrategyInstance.model_validate(record.data)

    def of_strategy(self, strategy_name: str, *, limit: int = 50) -> list[StrategyInstance]:
        """A strategy's instances, newest first."""
        page = self._store.query(
            strategy_partition(strategy_name), index="gsi1", descending=True, limit=limit
        )
        return [instance for record in page.records if (instance := _readable(record)) is not None]

    def with_status(self, status: InstanceStatus) -> Iterator[StrategyInstance]:
        """Every instance with `status`, newest first."""
        cursor = None
        while True:
            page = self._store.query(
                status_partition(status), index="gsi2", descending=True, limit=_PAGE, cursor=cursor
            )
            yield from (instance for record in page.records if (instance := _readable(record)) is not None)
            if (cursor := page.cursor) is None:
                return

    def count(self, status: InstanceStatus) -> int:
        """How many instances have `status`."""
        return self._store.count(status_partition(status), index="gsi2")

    def transition(
        self,
        instance_id: str,
        target: InstanceStatus,
        *,
        at: datetime,
        changes: Mapping[str, Any] | None = None,
        allowed: list[InstanceStatus] | None = None,
    ) -> StrategyInstance:
        """Move an instance to `target` if its status allows it, applying `changes` in the same write.

        Args:
            allowed: narrower source statuses than the state machine's (e.g. only `running` may pause).

        Raises:
            InstanceNotFound: no such instance.
            InvalidInstanceTransition: the status does not allow the move (the instance is left untouched).
        """
        sources = [status.value for status in (allowed or statuses_that_may_become(target))]
        current = self.get(instance_id)
        fields = {**(changes or {}), "status": target.value, "updated_at": at.isoformat()}
        try:
            record = self._store.update(
                Update(
                    instance_key(instance_id),
                    set=fields,
                    indexes={"gsi2": IndexKey(status_partition(target), _order_key(current))},
                    condition=Attr("status").is_in(sources),
                )
            )
        except NotFound as exc:
            raise InstanceNotFound(f"instance {instance_id} not found") from exc
        except ConditionFailed as exc:
            found = InstanceStatus(exc.current["status"]) if exc.current else None
            raise InvalidInstanceTransition(instance_id, found, target) from exc
        return StrategyInstance.model_validate(record.data)

    def record(
        self, instance_id: str, *, at: datetime, changes: Mapping[str, Any]
    ) -> StrategyInstance | None:
        """Write fields of an active instance (stats, heartbeat); None when it has ended."""
        active = [status.value for status in InstanceStatus if status.is_active]
        try:
            record = self._store.update(
                Update(
                    instance_key(instance_id),
                    set={**changes, "updated_at": at.isoformat()},
                    condition=Attr("status").is_in(active),
                )
            )
        except (ConditionFailed, NotFound):
            return None
        return StrategyInstance.model_validate(record.data)


def _readable(record: Record) -> StrategyInstance | None:
    try:
        return StrategyInstance.model_validate(record.data)
    except ValidationError as exc:
        # One damaged document must not take the whole list down (bug B1 of seed 000).
        log.error("skipping unreadable instance %s: %s", record.key.pk, exc.errors()[:3])
        return None
