"""A strategy's lifecycle record: its prod history (for rollbacks) and its A/B test, versioned by a
revision so concurrent stage, promote, rollback and A/B changes cannot interleave.

Key (docs/data-model.md): `STRATEGY#<name>`/`LIFECYCLE`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from tradai.domain.errors import ConditionFailed
from tradai.domain.registry import LifecycleChangedConcurrently
from tradai.domain.store import Attr, ItemAbsent, Key, Put, Record, WriteOperation
from tradai.ports import DocumentStore
from tradai.services.strategy_repository import strategy_partition


class AbTest(BaseModel):
    """A running champion/challenger test: which versions, how traffic splits, since when."""

    test_id: str
    champion_version: str
    challenger_version: str
    traffic_split: float = Field(ge=0, le=1)
    """The challenger's share of new trades."""
    min_trades: int = Field(ge=2)
    """Trades each arm needs before a decision is offered."""
    started_at: datetime


class Lifecycle(BaseModel):
    """What the versions' stages alone do not say."""

    model_config = ConfigDict(extra="ignore")

    strategy_name: str
    prod_history: list[str] = Field(default_factory=list)
    """Versions in the order they went to prod; the last is the current one."""
    ab_test: AbTest | None = None
    revision: int = 0


def lifecycle_key(name: str) -> Key:
    """Where a strategy's lifecycle record is."""
    return Key(strategy_partition(name), "LIFECYCLE")


def read_lifecycle(store: DocumentStore, name: str) -> Lifecycle:
    """The strategy's lifecycle record (an empty one when none was written)."""
    record = store.get(lifecycle_key(name))
    return Lifecycle.model_validate(record.data) if record else Lifecycle(strategy_name=name)


def write_lifecycle(lifecycle: Lifecycle) -> Put:
    """The write of a changed record, on condition nobody wrote it since it was read."""
    condition = ItemAbsent() if lifecycle.revision == 0 else Attr("revision").eq(lifecycle.revision)
    changed = lifecycle.model_copy(update={"revision": lifecycle.revision + 1})
    return Put(Record(lifecycle_key(lifecycle.strategy_name), changed.model_dump(mode="json")), condition)


def commit(store: DocumentStore, operations: Sequence[WriteOperation], name: str) -> None:
    """Apply a lifecycle change all-or-nothing; a condition that no longer holds means a race (409)."""
    try:
        store.transact(operations)
    except ConditionFailed as exc:
        raise LifecycleChangedConcurrently(f"{name} changed while this request ran; retry") from exc
