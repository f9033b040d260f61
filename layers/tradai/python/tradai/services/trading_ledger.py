"""Reading the trading ledger: orders, fills, positions, balances, counts and the audit trail.

Lists read one index partition newest first (a strategy's own partition when `strategy_id` is
given, never a scan), keep the records that pass the other filters, and skip `offset` of them.
A list reads at most `MAX_SCANNED` records per request; `has_more` then says more may match.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from tradai.domain.orders import (
    AuditAction,
    AuditEntry,
    Budget,
    Fill,
    Order,
    OrderNotDenied,
    OrderNotFound,
    OrderStatus,
    Position,
    PositionStatus,
    Side,
)
from tradai.ports import DocumentStore
from tradai.services.budgets import BudgetBook
from tradai.services.ledger_records import (
    ALL_AUDIT,
    ALL_BUDGETS,
    ALL_FILLS,
    ALL_ORDERS,
    CLOSED_POSITION_PREFIX,
    CLOSED_POSITIONS,
    FILL_PREFIX,
    OPEN_POSITION_PREFIX,
    OPEN_POSITIONS,
    TRADED_STRATEGIES,
    TradedStrategy,
    order_key,
    orders_with_status,
    strategy_audit,
    strategy_fills,
    strategy_orders,
    strategy_orders_with_status,
    strategy_partition,
    traded_strategy_key,
)

MAX_SCANNED = 20_000
"""Records one list request may read while filtering, so a request's cost stays bounded."""

Model = TypeVar("Model", bound=BaseModel)
Document = Mapping[str, Any]


@dataclass(frozen=True)
class Listing(Generic[Model]):
    """One page of a filtered list."""

    items: list[Model]
    limit: int
    offset: int
    has_more: bool


@dataclass(frozen=True)
class Partition:
    """Where a list reads: a table partition (with a sort-key prefix) or an index partition."""

    name: str
    index: str | None = None
    sk_prefix: str | None = None


@dataclass(frozen=True)
class Counts:
    """How many signals became orders, were denied, and filled."""

    signals: int = 0
    orders: int = 0
    denied: int = 0
    fills: int = 0
    strategies: int = 0


@dataclass(frozen=True)
class StrategyOverview:
    """A strategy on the dashboard: its counts (zero before its first signal) and budget currencies."""

    counts: TradedStrategy
    currencies: list[str]


@dataclass(frozen=True)
class FillTotals:
    """Aggregates over fills (all, or one instrument's)."""

    fills: int = 0
    buys: int = 0
    sells: int = 0
    quantity: float = 0.0
    notional: float = 0.0
    fees: float = 0.0
    realized_pnl: float = 0.0
    by_instrument: dict[str, FillTotals] = field(default_factory=dict)

    def plus(self, fill: Fill) -> FillTotals:
        """These totals with `fill` added (instrument breakdown left out)."""
        return FillTotals(
            fills=self.fills + 1,
            buys=self.buys + (fill.side is Side.BUY),
            sells=self.sells + (fill.side is Side.SELL),
            quantity=self.quantity + fill.quantity,
            notional=self.notional + fill.notional,
            fees=self.fees + fill.fee,
            realized_pnl=self.realized_pnl + fill.realized_pnl,
        )


class TradingLedger:
    """Read-only views of what the order pipeline wrote."""

    def __init__(self, store: DocumentStore) -> None:
        self._store = store
        self.budgets = BudgetBook(store)

    # --- orders and fills ------------------------------------------------------------------------

    def order(self, client_order_id: str) -> Order:
        """Return an order. Raises `OrderNotFound`."""
        record = self._store.get(order_key(client_order_id))
        if record is None:
            raise OrderNotFound(f"order {client_order_id} not found")
        return Order.model_validate(record.data)

    def order_fills(self, client_order_id: str) -> list[Fill]:
        """The fills of an order, in the order they happened. Raises `OrderNotFound`."""
        self.order(client_order_id)
        page = self._store.query(order_key(client_order_id).pk, sk_prefix=FILL_PREFIX, limit=1000)
        return [Fill.model_validate(record.data) for record in page.records]

    def denied_order(self, client_order_id: str) -> Order:
        """Return an order that did not trade. Raises `OrderNotFound`, `OrderNotDenied`."""
        order = self.order(client_order_id)
        if order.deny_reason is None:
            raise OrderNotDenied(f"order {client_order_id} was not denied (it is {order.status.value})")
        return order

    def orders(
        self,
        *,
        strategy_id: str | None = None,
        strategy_name: str | None = None,
        instrument_id: str | None = None,
        status: OrderStatus | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> Listing[Order]:
        """Orders newest first, filtered."""
        where = _matching(
            strategy_name=strategy_name,
            equal={"instrument_id": instrument_id, "status": status.value if status else None},
        )
        if status is None:
            partition = _by_strategy(strategy_id, strategy_orders, ALL_ORDERS)
        else:  # the orders' copies filed under their status: one keyed query, no filtering pass
            partition = _by_strategy(
                strategy_id,
                lambda strategy: strategy_orders_with_status(strategy, status.value),
                orders_with_status(status.value),
            )
        return self._list(partition, Order, where, limit=limit, offset=offset)

    def fills(
        self,
        *,
        strategy_id: str | None = None,
        strategy_name: str | None = None,
        instrument_id: str | None = None,
        side: Side | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> Listing[Fill]:
        """Fills newest first, filtered."""
        where = _matching(
            strategy_name=strategy_name,
            equal={"instrument_id": instrument_id, "side": side.value if side else None},
        )
        return self._list(_fills_partition(strategy_id), Fill, where, limit=limit, offset=offset)

    def fill_totals(self, *, strategy_id: str | None = None, instrument_id: str | None = None) -> FillTotals:
        """Counts, volume, fees and realized P&L over fills, overall and per instrument."""
        where = _matching(equal={"instrument_id": instrument_id})
        totals = FillTotals()
        by_instrument: dict[str, FillTotals] = {}
        for fill in self._list(_fills_partition(strategy_id), Fill, where, limit=MAX_SCANNED, offset=0).items:
            totals = totals.plus(fill)
            by_instrument[fill.instrument_id] = by_instrument.get(fill.instrument_id, FillTotals()).plus(fill)
        return FillTotals(**{**totals.__dict__, "by_instrument": dict(sorted(by_instrument.items()))})

    # --- positions ----------------------------------------------------------------------------------

    def positions(
        self,
        *,
        status: PositionStatus = PositionStatus.OPEN,
        strategy_id: str | None = None,
        instrument_id: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> Listing[Position]:
        """Open or closed positions, newest first."""
        where = _matching(equal={"instrument_id": instrument_id})
        if strategy_id:
            prefix = OPEN_POSITION_PREFIX if status is PositionStatus.OPEN else CLOSED_POSITION_PREFIX
            partition = Partition(strategy_partition(strategy_id), sk_prefix=prefix)
        else:
            overall = OPEN_POSITIONS if status is PositionStatus.OPEN else CLOSED_POSITIONS
            partition = Partition(overall, "gsi2")
        return self._list(partition, Position, where, limit=limit, offset=offset)

    def trades(self, strategy_id: str, *, limit: int = 100, offset: int = 0) -> Listing[Position]:
        """A strategy's trades, open ones first then closed ones newest first: one query on its partition."""
        return self._list(
            Partition(strategy_partition(strategy_id), sk_prefix="POSITION#"),
            Position,
            lambda _: True,
            limit=limit,
            offset=offset,
            descending=False,
            order=lambda positions: sorted(
                positions, key=lambda item: (item.status is PositionStatus.CLOSED, -_epoch(item))
            ),
        )

    # --- strategies, balances, counts, audit ------------------------------------------------------------

    def strategies(self) -> list[TradedStrategy]:
        """Every strategy that has sent a signal, by id."""
        return [
            TradedStrategy.model_validate(record.data)
            for record in self._all(Partition(TRADED_STRATEGIES, "gsi1"))
        ]

    def strategy_overview(self) -> list[StrategyOverview]:
        """Every strategy that sent a signal or has a budget, by id, with its counts and currencies."""
        traded = {strategy.strategy_id: strategy for strategy in self.strategies()}
        currencies: dict[str, list[str]] = {}
        for budget in self.balances():
            currencies.setdefault(budget.strategy_id, []).append(budget.currency)
        return [
            StrategyOverview(
                traded.get(strategy_id) or TradedStrategy(strategy_id=strategy_id, first_seen_at=None),
                currencies.get(strategy_id, []),
            )
            for strategy_id in sorted(traded.keys() | currencies.keys())
        ]

    def strategy(self, strategy_id: str) -> TradedStrategy | None:
        """A strategy's counts, or None when it never sent a signal."""
        record = self._store.get(traded_strategy_key(strategy_id))
        return TradedStrategy.model_validate(record.data) if record else None

    def balances(self, *, strategy_id: str | None = None) -> list[Budget]:
        """Budgets per strategy and currency (of one strategy, or all)."""
        if strategy_id:
            return self.budgets.for_strategy(strategy_id)
        return [Budget.model_validate(record.data) for record in self._all(Partition(ALL_BUDGETS, "gsi1"))]

    def counts(self, *, strategy_id: str | None = None) -> Counts:
        """Signals, orders, denials and fills (of one strategy, or all)."""
        strategies = [found] if strategy_id and (found := self.strategy(strategy_id)) else []
        if not strategy_id:
            strategies = self.strategies()
        return Counts(
            signals=sum(item.signals for item in strategies),
            orders=sum(item.orders for item in strategies),
            denied=sum(item.denied for item in strategies),
            fills=sum(item.fills for item in strategies),
            strategies=len(strategies),
        )

    def open_position_count(self, *, strategy_id: str | None = None) -> int:
        """How many positions are open (of one strategy, or all)."""
        if strategy_id:
            return self._store.count(strategy_partition(strategy_id), sk_prefix=OPEN_POSITION_PREFIX)
        return self._store.count(OPEN_POSITIONS, index="gsi2")

    def audit(
        self,
        *,
        strategy_id: str | None = None,
        action: AuditAction | None = None,
        client_order_id: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> Listing[AuditEntry]:
        """Audit entries newest first, filtered."""
        where = _matching(
            equal={"action": action.value if action else None, "client_order_id": client_order_id}
        )
        partition = _by_strategy(strategy_id, strategy_audit, ALL_AUDIT)
        return self._list(partition, AuditEntry, where, limit=limit, offset=offset)

    # --- paging -----------------------------------------------------------------------------------

    def _all(self, partition: Partition) -> list[Any]:
        records: list[Any] = []
        cursor: str | None = None
        while True:
            page = self._store.query(partition.name, index=partition.index, limit=1000, cursor=cursor)
            records += page.records
            if page.cursor is None or len(records) >= MAX_SCANNED:
                return records
            cursor = page.cursor

    def _list(
        self,
        partition: Partition,
        model: type[Model],
        keep: Callable[[Document], bool],
        *,
        limit: int,
        offset: int,
        descending: bool = True,
        order: Callable[[list[Model]], list[Model]] | None = None,
    ) -> Listing[Model]:
        matched: list[Model] = []
        scanned = 0
        cursor: str | None = None
        wanted = offset + limit + 1  # one more than shown tells whether more follow
        exhausted = False
        while len(matched) < wanted or order is not None:
            page = self._store.query(
                partition.name,
                index=partition.index,
                sk_prefix=partition.sk_prefix,
                descending=descending,
                limit=min(1000, max(wanted - len(matched), 50)),
                cursor=cursor,
            )
            scanned += len(page.records)
            matched += [model.model_validate(record.data) for record in page.records if keep(record.data)]
            cursor = page.cursor
            if cursor is None:
                exhausted = True
                break
            if scanned >= MAX_SCANNED:
                break
        if order is not None:
            matched = order(matched)
        shown = matched[offset : offset + limit]
        return Listing(shown, limit, offset, has_more=len(matched) > offset + limit or not exhausted)


def _by_strategy(strategy_id: str | None, per_strategy: Callable[[str], str], overall: str) -> Partition:
    """A strategy's own `gsi1` partition when one is named, else the `gsi2` partition of all."""
    return Partition(per_strategy(strategy_id), "gsi1") if strategy_id else Partition(overall, "gsi2")


def _fills_partition(strategy_id: str | None) -> Partition:
    return _by_strategy(strategy_id, strategy_fills, ALL_FILLS)


def _matching(
    *, strategy_name: str | None = None, equal: Mapping[str, str | None]
) -> Callable[[Document], bool]:
    """A filter over stored documents: exact matches, and a case-insensitive partial strategy name."""
    wanted = {name: value for name, value in equal.items() if value is not None}
    needle = strategy_name.lower() if strategy_name else None

    def keep(document: Document) -> bool:
        if any(document.get(name) != value for name, value in wanted.items()):
            return False
        return needle is None or needle in str(document.get("strategy_name") or "").lower()

    return keep


def _epoch(position: Position) -> float:
    return (position.closed_at or position.opened_at).timestamp()
