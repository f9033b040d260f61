"""The order pipeline: every signal of a strategy instance becomes an order that passes a budget check.

intent -> order PENDING (audit SIGNAL) -> reserve the worst-case cost (notional, slippage, fees) in
the strategy's budget for the order's currency (atomic conditional write; refused -> DENIED with
its reason) -> SUBMITTED ->
broker -> fills -> position -> release the reservation, commit the position's capital, book
realized P&L and fees (one transaction) -> FILLED | PARTIALLY_FILLED | REJECTED | EXPIRED.
Every decision writes an audit entry. See docs/trading.md.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from uuid import uuid4

from tradai.domain.clock import Clock, utc_now
from tradai.domain.errors import ConditionFailed, NotFound, StoreUnavailable
from tradai.domain.orders import (
    AuditAction,
    AuditEntry,
    BrokerUnavailable,
    DenyReason,
    Execution,
    ExecutionStatus,
    Fill,
    InsufficientBudget,
    Order,
    OrderIntent,
    OrderStatus,
    Position,
    PositionSide,
    Side,
    from_units,
    instrument_id,
    reservation_units,
    to_units,
)
from tradai.domain.orders import BudgetNotFound as NoBudget
from tradai.domain.positions import FillEffect, apply_fill
from tradai.domain.store import Attr, Delete, ItemAbsent, Put, Update, WriteOperation
from tradai.ports import Broker, DocumentStore
from tradai.services.budgets import BudgetBook, refusal
from tradai.services.ledger_records import (
    TradedStrategy,
    audit_record,
    fill_record,
    open_position_key,
    order_key,
    order_record,
    order_status_record,
    position_record,
    traded_strategy_key,
    traded_strategy_record,
)
from tradai.services.trading_ledger import TradingLedger
from tradai.services.transactions import transact_retrying

log = logging.getLogger(__name__)

_SETTLE_ATTEMPTS = 10
"""Settlement retries when another order of the same instance and market moved the position first."""

_FINAL_BY_EXECUTION = {
    ExecutionStatus.FILLED: OrderStatus.FILLED,
    ExecutionStatus.PARTIALLY_FILLED: OrderStatus.PARTIALLY_FILLED,
    ExecutionStatus.REJECTED: OrderStatus.REJECTED,
    ExecutionStatus.EXPIRED: OrderStatus.EXPIRED,
}


@dataclass(frozen=True)
class OrderOutcome:
    """What became of an intent: the order as stored, its fills and the positions they moved."""

    order: Order
    fills: list[Fill] = field(default_factory=list)
    positions: list[Position] = field(default_factory=list)
    """The instance's position in the market after the fills, and any position they closed."""

    @property
    def denied(self) -> bool:
        """Whether the order was refused before reaching the broker."""
        return self.order.status is OrderStatus.DENIED

    @property
    def deny_reason(self) -> DenyReason | None:
        """Why the order did not trade (denied, rejected or expired), if it did not."""
        return self.order.deny_reason


class OrderPipeline:
    """Turns order intents into budget-checked, audited orders, fills and positions.

    Safe to call from many threads and processes at once: every shared item is changed by
    conditional writes only.
    """

    def __init__(
        self,
        *,
        store: DocumentStore,
        broker: Broker,
        clock: Clock = utc_now,
        new_id: Callable[[], str] = lambda: uuid4().hex,
    ) -> None:
        self._store = store
        self._broker = broker
        self._clock = clock
        self._new_id = new_id
        self.budgets = BudgetBook(store, clock=clock)

    def submit(self, intent: OrderIntent) -> OrderOutcome:
        """Check, send and book one order; returns the stored outcome (a retried id returns the first one).

        A refused order is not an exception: the outcome's order is DENIED, REJECTED or EXPIRED and
        names its `deny_reason`.

        Raises:
            StoreUnavailable: the store failed; the order may be left PENDING or SUBMITTED.
        """
        client_order_id = intent.client_order_id or self._new_id()
        existing = self._stored_outcome(client_order_id)
        if existing is not None:
            return existing
        position = self._open_position(intent.strategy_id, intent.instance_id, intent.symbol)
        price = intent.price_hint or self._broker.price(symbol=intent.symbol, exchange=intent.exchange)
        order = self._new_order(intent, client_order_id, price, position)
        try:
            transact_retrying(
                self._store,
                [
                    Put(order_record(order), ItemAbsent()),
                    Put(order_status_record(order)),
                    self._audit_put(order, AuditAction.SIGNAL, _signal(order)),
                ],
            )
        except ConditionFailed:
            # The same client order id was submitted concurrently: its outcome is the answer.
            stored = self._stored_outcome(client_order_id)
            assert stored is not None
            return stored
        self._count(intent, signals=1)
        if price is None:
            return self._deny(
                order, DenyReason.NO_PRICE, "no limit, reference or broker price to value it at"
            )
        try:
            order = self._reserve_and_submit(order)
        except NoBudget as exc:
            return self._deny(order, DenyReason.NO_BUDGET, exc.detail)
        except InsufficientBudget as exc:
            return self._deny(order, DenyReason.INSUFFICIENT_BUDGET, exc.detail)
        self._count(intent, orders=1)
        try:
            execution = self._broker.execute(order)
        except Exception as exc:  # any broker failure must release the reservation, never leak it
            log.exception("broker %s failed on order %s", self._broker.name, order.client_order_id)
            execution = Execution(status=ExecutionStatus.REJECTED, reason=f"broker error: {exc}")
            return self._close_unfilled(order, execution, DenyReason.BROKER_ERROR)
        if execution.status is ExecutionStatus.REJECTED:
            return self._close_unfilled(order, execution, DenyReason.BROKER_REJECTED)
        if execution.status is ExecutionStatus.EXPIRED:
            return self._close_unfilled(order, execution, DenyReason.LIMIT_NOT_REACHED)
        outcome = self._settle(order, execution, tag=intent.tag)
        self._count(intent, fills=len(outcome.fills))
        return outcome

    def reconcile_unsettled(self, *, strategy_id: str, instance_id: str) -> list[Order]:
        """Settle the orders a dead instance left unsettled, as the broker says they ended.

        Call it once the instance's process is known to be gone (so no settlement can still come
        from it), with the broker the instance traded on. A PENDING order never reached the broker:
        it becomes DENIED (reason ABANDONED). A SUBMITTED one is looked up with the broker
        (`Broker.resolve`): its fills are booked as if it had answered at once (FILLED or
        PARTIALLY_FILLED), or, when it did not trade, it is REJECTED (reason ABANDONED) and its
        reservation released. Each change is conditional on the order's state, so running this
        twice, or from two places at once, books nothing twice. An order the broker cannot be asked
        about now stays SUBMITTED for the next attempt. Returns the orders closed.
        """
        ledger = TradingLedger(self._store)
        closed: list[Order] = []
        for status in (OrderStatus.PENDING, OrderStatus.SUBMITTED):
            stuck = ledger.orders(strategy_id=strategy_id, status=status, limit=1000).items
            for order in (order for order in stuck if order.instance_id == instance_id):
                try:
                    settled = self._reconcile(order)
                except ConditionFailed:
                    continue  # it moved on meanwhile: someone else settled it
                except BrokerUnavailable as exc:
                    log.warning("order %s left SUBMITTED: %s", order.client_order_id, exc.detail)
                    continue
                closed.append(settled)
        return closed

    def _reconcile(self, order: Order) -> Order:
        detail = "the instance stopped before the order was settled"
        if order.status is OrderStatus.PENDING:
            return self._deny(order, DenyReason.ABANDONED, detail).order
        execution = self._broker.resolve(order)
        if execution.status in (ExecutionStatus.FILLED, ExecutionStatus.PARTIALLY_FILLED):
            outcome = self._settle(order, execution, tag=order.tag, settled_elsewhere_ok=False)
            self._count_order(order, fills=len(outcome.fills))
            log.warning("order %s of a dead instance was %s", order.client_order_id, outcome.order.status)
            return outcome.order
        reason = f"{detail}; {execution.reason}" if execution.reason else detail
        unfilled = Execution(
            status=ExecutionStatus.REJECTED, broker_order_id=execution.broker_order_id, reason=reason
        )
        return self._close_unfilled(order, unfilled, DenyReason.ABANDONED).order

    # --- steps ------------------------------------------------------------------------------------

    def _new_order(
        self, intent: OrderIntent, client_order_id: str, price: float | None, position: Position | None
    ) -> Order:
        now = self._clock()
        exposure = _added_exposure(intent.side, intent.quantity, position)
        return Order(
            client_order_id=client_order_id,
            strategy_id=intent.strategy_id,
            strategy_name=intent.strategy_name,
            instance_id=intent.instance_id,
            symbol=intent.symbol,
            exchange=intent.exchange,
            instrument_id=instrument_id(intent.symbol, intent.exchange),
            currency=intent.currency,
            side=intent.side,
            quantity=intent.quantity,
            limit_price=intent.limit_price,
            reference_price=price if intent.limit_price is None else intent.reference_price,
            tag=intent.tag,
            confidence=intent.confidence,
            reserved_units=reservation_units(exposure * price, self._broker.cost_buffer) if price else 0,
            created_at=intent.created_at,
            updated_at=now,
        )

    def _deny(self, order: Order, reason: DenyReason, detail: str) -> OrderOutcome:
        denied = self._finish(order, OrderStatus.DENIED, {"deny_reason": reason, "deny_detail": detail})
        transact_retrying(
            self._store,
            [
                *self._order_writes(order, denied, expected=OrderStatus.PENDING),
                self._audit_put(denied, AuditAction.ORDER_DENIED, f"denied: {reason.value}: {detail}"),
            ],
        )
        self._count_order(order, denied=1)
        return OrderOutcome(denied)

    def _reserve_and_submit(self, order: Order) -> Order:
        """Reserve the order's notional and mark it SUBMITTED in one transaction.

        So an order is SUBMITTED exactly when its reservation is held: a crash leaves either a
        PENDING order that reserved nothing or a SUBMITTED one whose `reserved_units` say what to release.

        Raises:
            BudgetNotFound: the strategy has no budget in the order's currency.
            InsufficientBudget: the budget has less available than the order's notional.
        """
        submitted = self._finish(order, OrderStatus.SUBMITTED, {})
        operations = self._order_writes(order, submitted, expected=OrderStatus.PENDING)
        units = order.reserved_units
        if units:
            operations.append(self.budgets.reserve_operation(order.strategy_id, order.currency, units))
            operations.append(
                self._audit_put(
                    order, AuditAction.BUDGET_RESERVED, f"reserved {from_units(units)} {order.currency}"
                )
            )
        operations.append(
            self._audit_put(order, AuditAction.ORDER_SUBMITTED, f"sent to the {self._broker.name} broker")
        )
        try:
            transact_retrying(self._store, operations)
        except (NotFound, ConditionFailed) as exc:
            # Only the budget can refuse: this call alone moves its PENDING order on.
            raise refusal(exc, order.strategy_id, order.currency, units) from exc
        return submitted

    def _close_unfilled(self, order: Order, execution: Execution, reason: DenyReason) -> OrderOutcome:
        status = _FINAL_BY_EXECUTION[execution.status]
        detail = execution.reason or status.value.lower()
        closed = self._finish(
            order,
            status,
            {"deny_reason": reason, "deny_detail": detail, "broker_order_id": execution.broker_order_id},
        )
        action = AuditAction.ORDER_EXPIRED if status is OrderStatus.EXPIRED else AuditAction.ORDER_REJECTED
        operations: list[WriteOperation] = [
            *self._order_writes(order, closed, expected=OrderStatus.SUBMITTED),
            self._audit_put(closed, action, f"{status.value.lower()}: {detail}"),
        ]
        if order.reserved_units:
            operations.append(
                self.budgets.settle_operation(
                    order.strategy_id, order.currency, released_units=order.reserved_units
                )
            )
        transact_retrying(self._store, operations)
        return OrderOutcome(closed)

    def _settle(
        self, order: Order, execution: Execution, *, tag: str | None, settled_elsewhere_ok: bool = True
    ) -> OrderOutcome:
        """Book `execution`'s fills; retried while the position moves under it.

        Raises:
            ConditionFailed: the order was settled by someone else (only when not `settled_elsewhere_ok`:
                otherwise that settlement is returned).
        """
        for _ in range(_SETTLE_ATTEMPTS):
            position = self._open_position(order.strategy_id, order.instance_id, order.symbol)
            settlement = self._settlement(order, execution, position, tag=tag)
            try:
                transact_retrying(self._store, settlement.operations)
            except ConditionFailed:
                stored = self._stored_outcome(order.client_order_id)
                if stored is not None and stored.order.status is not OrderStatus.SUBMITTED:
                    if settled_elsewhere_ok:
                        return stored  # settled by someone else (a reconcile): its booking stands
                    raise
                log.info("position moved while settling %s; retrying", order.client_order_id)
                continue
            return OrderOutcome(settlement.order, settlement.fills, settlement.positions)
        raise StoreUnavailable(f"could not settle order {order.client_order_id}: the position kept changing")

    def _settlement(
        self, order: Order, execution: Execution, position: Position | None, *, tag: str | None
    ) -> _Settlement:
        fills: list[Fill] = []
        effects: list[FillEffect] = []
        current = position
        for sequence, reported in enumerate(execution.fills, start=1):
            fill = Fill(
                fill_id=f"{order.client_order_id}-{sequence}",
                client_order_id=order.client_order_id,
                strategy_id=order.strategy_id,
                instance_id=order.instance_id,
                symbol=order.symbol,
                instrument_id=order.instrument_id,
                currency=order.currency,
                side=order.side,
                quantity=reported.quantity,
                price=reported.price,
                fee_units=to_units(reported.fee),
                liquidity=reported.liquidity,
                filled_at=reported.filled_at,
            )
            effect = apply_fill(
                current, fill, tag=tag, strategy_name=order.strategy_name, new_position_id=self._new_id
            )
            fill = fill.model_copy(update={"realized_pnl_units": effect.realized_pnl_units})
            fills.append(fill)
            effects.append(effect)
            current = effect.open
        quantity = sum(fill.quantity for fill in fills)
        settled = self._finish(
            order,
            _FINAL_BY_EXECUTION[execution.status],
            {
                "filled_quantity": quantity,
                "average_price": sum(fill.quantity * fill.price for fill in fills) / quantity,
                "fees_units": sum(fill.fee_units for fill in fills),
                "realized_pnl_units": sum(effect.realized_pnl_units for effect in effects),
                "broker_order_id": execution.broker_order_id,
            },
        )
        closed = [closed for effect in effects for closed in effect.closed]
        opened = [opened for effect in effects for opened in effect.opened]
        operations: list[WriteOperation] = [
            *self._order_writes(order, settled, expected=OrderStatus.SUBMITTED),
            *(Put(fill_record(fill, sequence), ItemAbsent()) for sequence, fill in enumerate(fills, start=1)),
            *_position_writes(order, position, current, closed),
            self.budgets.settle_operation(
                order.strategy_id,
                order.currency,
                released_units=order.reserved_units,
                committed_units=sum(effect.committed_units for effect in effects),
                realized_pnl_units=settled.realized_pnl_units,
                fee_units=settled.fees_units,
            ),
            self._audit_put(settled, AuditAction.ORDER_FILLED, _filled(settled, len(fills))),
            *(self._position_audit(settled, AuditAction.POSITION_OPENED, item) for item in opened),
            *(self._position_audit(settled, AuditAction.POSITION_CLOSED, item) for item in closed),
        ]
        positions = ([current] if current else []) + closed
        return _Settlement(settled, fills, positions, operations)

    # --- reads and small writes ------------------------------------------------------------------

    def _stored_outcome(self, client_order_id: str) -> OrderOutcome | None:
        record = self._store.get(order_key(client_order_id))
        if record is None:
            return None
        page = self._store.query(record.key.pk, sk_prefix="FILL#", limit=1000)
        return OrderOutcome(
            Order.model_validate(record.data), [Fill.model_validate(item.data) for item in page.records]
        )

    def _open_position(self, strategy_id: str, instance_id: str, symbol: str) -> Position | None:
        record = self._store.get(open_position_key(strategy_id, instance_id, symbol))
        return Position.model_validate(record.data) if record else None

    def _finish(self, order: Order, status: OrderStatus, changes: dict[str, object]) -> Order:
        return order.model_copy(update={**changes, "status": status, "updated_at": self._clock()})

    def _order_writes(self, before: Order, after: Order, *, expected: OrderStatus) -> list[WriteOperation]:
        """Move the order from `before` (if it is still `expected`) to `after`, and its status copy."""
        return [self._order_update(before, after, expected=expected), Put(order_status_record(after))]

    def _order_update(self, before: Order, after: Order, *, expected: OrderStatus) -> Update:
        document = after.model_dump(mode="json")
        changed = {
            name: value for name, value in document.items() if before.model_dump(mode="json")[name] != value
        }
        return Update(
            order_key(before.client_order_id), set=changed, condition=Attr("status").eq(expected.value)
        )

    def _audit_put(
        self, order: Order, action: AuditAction, detail: str, data: dict[str, object] | None = None
    ) -> Put:
        entry = AuditEntry(
            audit_id=self._new_id(),
            action=action,
            at=self._clock(),
            strategy_id=order.strategy_id,
            instance_id=order.instance_id,
            client_order_id=order.client_order_id,
            currency=order.currency,
            detail=detail,
            data=data or {},
        )
        return Put(audit_record(entry), ItemAbsent())

    def _position_audit(self, order: Order, action: AuditAction, position: Position) -> Put:
        verb = "opened" if action is AuditAction.POSITION_OPENED else "closed"
        detail = f"{verb} {position.side.value.lower()} {position.symbol} {position.position_id}"
        return self._audit_put(
            order,
            action,
            detail,
            {"position_id": position.position_id, "realized_pnl": from_units(position.realized_pnl_units)},
        )

    def _count(self, intent: OrderIntent, **counts: int) -> None:
        self._count_strategy(intent.strategy_id, intent.strategy_name, counts)

    def _count_order(self, order: Order, **counts: int) -> None:
        self._count_strategy(order.strategy_id, order.strategy_name, counts)

    def _count_strategy(self, strategy_id: str, strategy_name: str | None, counts: dict[str, int]) -> None:
        """Add to the strategy's running counts, registering the strategy on its first signal."""
        counts = {name: value for name, value in counts.items() if value}
        if not counts:
            return
        now = self._clock()
        changes = {"last_signal_at": now.isoformat()} if "signals" in counts else {}
        if strategy_name:
            changes["strategy_name"] = strategy_name
        for _ in range(2):
            try:
                self._store.update(Update(traded_strategy_key(strategy_id), set=changes, add=counts))
                return
            except NotFound:
                first = TradedStrategy(
                    strategy_id=strategy_id, strategy_name=strategy_name, first_seen_at=now, **counts
                )
                try:
                    self._store.put(traded_strategy_record(first), condition=ItemAbsent())
                    return
                except ConditionFailed:
                    continue  # registered concurrently: add to it


@dataclass(frozen=True)
class _Settlement:
    order: Order
    fills: list[Fill]
    positions: list[Position]
    operations: list[WriteOperation]


def _added_exposure(side: Side, quantity: float, position: Position | None) -> float:
    """The part of an order that opens or grows exposure (and so needs budget); reducing is free."""
    if position is None:
        return quantity
    same_way = (position.side is PositionSide.LONG) == (side is Side.BUY)
    return quantity if same_way else max(0.0, quantity - position.quantity)


def _position_writes(
    order: Order, before: Position | None, after: Position | None, closed: Sequence[Position]
) -> list[WriteOperation]:
    """Writes that move the instance's open position from `before` to `after` and store closed ones."""
    key = open_position_key(order.strategy_id, order.instance_id, order.symbol)
    guard = ItemAbsent() if before is None else Attr("version").eq(before.version)
    writes: list[WriteOperation] = [Put(position_record(item), ItemAbsent()) for item in closed]
    if after is not None:
        writes.append(Put(position_record(after), guard))
    elif before is not None:
        writes.append(Delete(key, condition=guard))
    return writes


def _signal(order: Order) -> str:
    price = (
        f" @ {order.limit_price or order.reference_price}"
        if (order.limit_price or order.reference_price)
        else ""
    )
    return f"{order.side.value} {order.quantity:g} {order.symbol}{price} from {order.instance_id}"


def _filled(order: Order, fills: int) -> str:
    status = order.status.value.lower()
    return (
        f"{status}: {order.filled_quantity:g} @ {order.average_price:.8g} in {fills} fill(s),"
        f" fees {order.fees:g} {order.currency}"
    )
