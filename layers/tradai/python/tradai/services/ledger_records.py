"""Where the trading ledger lives in the document store: keys and index entries.

The table of keys is in docs/data-model.md (patterns 8-16). In short: an order, its copy filed
under its status, and its fills share the partition `ORDER#<client_order_id>`; a strategy's
positions (its trades) live in the partition `STRATEGY#<id>`; `gsi1` lists a strategy's orders
(all, or in one status), fills and audit entries, and the budget registry; `gsi2` lists
everything of a kind across strategies, newest first.
Timestamps in sort keys are ISO 8601 UTC with microseconds, so they sort in time order.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from tradai.domain.orders import AuditEntry, Budget, Fill, Order, Position, PositionStatus
from tradai.domain.store import IndexKey, Key, Record

ALL_ORDERS = "ORDERS"
ALL_FILLS = "FILLS"
ALL_AUDIT = "AUDIT"
ALL_BUDGETS = "BUDGETS"
TRADED_STRATEGIES = "TRADING_STRATEGIES"
OPEN_POSITIONS = "POSITIONS#OPEN"
CLOSED_POSITIONS = "POSITIONS#CLOSED"
FILL_PREFIX = "FILL#"
OPEN_POSITION_PREFIX = "POSITION#OPEN#"
CLOSED_POSITION_PREFIX = "POSITION#CLOSED#"


def timestamp(at: datetime) -> str:
    """A sortable time for sort keys: fixed-width ISO 8601 in UTC with microseconds."""
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def strategy_partition(strategy_id: str) -> str:
    """The table partition holding a strategy's positions (its trades)."""
    return f"STRATEGY#{strategy_id}"


def strategy_orders(strategy_id: str) -> str:
    """The `gsi1` partition of a strategy's orders."""
    return f"STRATEGY#{strategy_id}#ORDERS"


def strategy_orders_with_status(strategy_id: str, status: str) -> str:
    """The `gsi1` partition of a strategy's orders in one status."""
    return f"STRATEGY#{strategy_id}#ORDERS#{status}"


def orders_with_status(status: str) -> str:
    """The `gsi2` partition of all orders in one status."""
    return f"ORDERS#{status}"


def strategy_fills(strategy_id: str) -> str:
    """The `gsi1` partition of a strategy's fills."""
    return f"STRATEGY#{strategy_id}#FILLS"


def strategy_audit(strategy_id: str) -> str:
    """The `gsi1` partition of a strategy's audit entries."""
    return f"STRATEGY#{strategy_id}#AUDIT"


# --- orders and fills --------------------------------------------------------------------------


def order_key(client_order_id: str) -> Key:
    """Where an order is stored (its fills share the partition)."""
    return Key(f"ORDER#{client_order_id}", "ORDER")


def order_record(order: Order) -> Record:
    """The stored form of an order."""
    order_sk = f"{timestamp(order.created_at)}#{order.client_order_id}"
    return Record(
        order_key(order.client_order_id),
        order.model_dump(mode="json"),
        indexes={
            "gsi1": IndexKey(strategy_orders(order.strategy_id), order_sk),
            "gsi2": IndexKey(ALL_ORDERS, order_sk),
        },
    )


def order_status_record(order: Order) -> Record:
    """The order's copy filed under its current status, so a status filter is one keyed query.

    It shares the order's partition and is rewritten in the same transaction as every change of
    the order, so the two never disagree.
    """
    order_sk = f"{timestamp(order.created_at)}#{order.client_order_id}"
    status = order.status.value
    return Record(
        Key(f"ORDER#{order.client_order_id}", "STATUS"),
        order.model_dump(mode="json"),
        indexes={
            "gsi1": IndexKey(strategy_orders_with_status(order.strategy_id, status), order_sk),
            "gsi2": IndexKey(orders_with_status(status), order_sk),
        },
    )


def fill_key(client_order_id: str, sequence: int) -> Key:
    """Where the `sequence`-th fill of an order is stored."""
    return Key(f"ORDER#{client_order_id}", f"{FILL_PREFIX}{sequence:04d}")


def fill_record(fill: Fill, sequence: int) -> Record:
    """The stored form of a fill."""
    fill_sk = f"{timestamp(fill.filled_at)}#{fill.fill_id}"
    return Record(
        fill_key(fill.client_order_id, sequence),
        fill.model_dump(mode="json"),
        indexes={
            "gsi1": IndexKey(strategy_fills(fill.strategy_id), fill_sk),
            "gsi2": IndexKey(ALL_FILLS, fill_sk),
        },
    )


# --- positions ----------------------------------------------------------------------------------


def open_position_key(strategy_id: str, instance_id: str, symbol: str) -> Key:
    """Where the one open position of an instance in a market is stored."""
    return Key(strategy_partition(strategy_id), f"{OPEN_POSITION_PREFIX}{instance_id}#{symbol}")


def position_key(position: Position) -> Key:
    """Where `position` is stored: under its market while open, under its closing time once closed."""
    if position.status is PositionStatus.OPEN:
        return open_position_key(position.strategy_id, position.instance_id, position.symbol)
    assert position.closed_at is not None
    return Key(
        strategy_partition(position.strategy_id),
        f"{CLOSED_POSITION_PREFIX}{timestamp(position.closed_at)}#{position.position_id}",
    )


def position_record(position: Position) -> Record:
    """The stored form of a position."""
    if position.status is PositionStatus.OPEN:
        index = IndexKey(OPEN_POSITIONS, f"{timestamp(position.opened_at)}#{position.position_id}")
    else:
        assert position.closed_at is not None
        index = IndexKey(CLOSED_POSITIONS, f"{timestamp(position.closed_at)}#{position.position_id}")
    return Record(position_key(position), position.model_dump(mode="json"), indexes={"gsi2": index})


# --- budgets, audit, strategies ---------------------------------------------------------------


def budget_key(strategy_id: str, currency: str) -> Key:
    """Where a strategy's budget in one currency is stored."""
    return Key(f"BUDGET#{strategy_id}", f"CCY#{currency}")


def budget_record(budget: Budget) -> Record:
    """The stored form of a budget."""
    return Record(
        budget_key(budget.strategy_id, budget.currency),
        budget.model_dump(mode="json"),
        indexes={"gsi1": IndexKey(ALL_BUDGETS, f"{budget.strategy_id}#{budget.currency}")},
    )


def audit_record(entry: AuditEntry) -> Record:
    """The stored form of an audit entry."""
    entry_sk = f"{timestamp(entry.at)}#{entry.audit_id}"
    return Record(
        Key(f"AUDIT#{entry.audit_id}", "AUDIT"),
        entry.model_dump(mode="json"),
        indexes={
            "gsi1": IndexKey(strategy_audit(entry.strategy_id), entry_sk),
            "gsi2": IndexKey(ALL_AUDIT, entry_sk),
        },
    )


class TradedStrategy(BaseModel):
    """A strategy that has sent orders, with running counts of what it did."""

    model_config = ConfigDict(extra="ignore")

    strategy_id: str
    strategy_name: str | None = None
    first_seen_at: datetime | None
    """None for a strategy listed before its first signal (it has only a budget)."""
    last_signal_at: datetime | None = None
    signals: int = 0
    orders: int = 0
    denied: int = 0
    fills: int = 0


def traded_strategy_key(strategy_id: str) -> Key:
    """Where a traded strategy's counts are stored."""
    return Key(f"TRADING#{strategy_id}", "STRATEGY")


def traded_strategy_record(strategy: TradedStrategy) -> Record:
    """The stored form of a traded strategy."""
    return Record(
        traded_strategy_key(strategy.strategy_id),
        strategy.model_dump(mode="json"),
        indexes={"gsi1": IndexKey(TRADED_STRATEGIES, strategy.strategy_id)},
    )
