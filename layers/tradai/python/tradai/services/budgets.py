"""Per-strategy budgets per currency: allocate, reserve for orders, settle fills, delete.

Every change is one conditional write, so concurrent orders can never reserve more than is
allocated: a reservation adds `-notional` to `available_units` on the condition that
`available_units >= notional` (DynamoDB evaluates it atomically with the write; SQLite in its
write transaction). An allocation change moves `available_units` by the difference, on the
condition that the result stays >= 0, so a cap cannot drop below what is in use.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import uuid4

from tradai.domain.clock import Clock, utc_now
from tradai.domain.errors import ConditionFailed, NotFound
from tradai.domain.orders import (
    AuditAction,
    AuditEntry,
    Budget,
    BudgetInUse,
    BudgetNotFound,
    InsufficientBudget,
    from_units,
    to_units,
)
from tradai.domain.store import Attr, Delete, ItemAbsent, Put, Update
from tradai.ports import DocumentStore
from tradai.services.ledger_records import ALL_BUDGETS, audit_record, budget_key, budget_record
from tradai.services.transactions import transact_retrying

_MAX_ATTEMPTS = 20
"""An allocation change retries when a concurrent allocation change won the race."""


@dataclass(frozen=True)
class BudgetPage:
    """One page of the budget registry."""

    budgets: list[Budget]
    cursor: str | None


class BudgetBook:
    """Reads and changes budgets; reservations and settlements are atomic conditional writes."""

    def __init__(self, store: DocumentStore, *, clock: Clock = utc_now) -> None:
        self._store = store
        self._clock = clock

    # --- reads ----------------------------------------------------------------------------------

    def get(self, strategy_id: str, currency: str) -> Budget:
        """Return the budget. Raises `BudgetNotFound`."""
        record = self._store.get(budget_key(strategy_id, currency))
        if record is None:
            raise BudgetNotFound(f"strategy {strategy_id} has no {currency} budget")
        return Budget.model_validate(record.data)

    def find(self, strategy_id: str, currency: str) -> Budget | None:
        """Return the budget, or None when there is none."""
        record = self._store.get(budget_key(strategy_id, currency))
        return Budget.model_validate(record.data) if record else None

    def for_strategy(self, strategy_id: str) -> list[Budget]:
        """Every currency budget of a strategy, by currency."""
        page = self._store.query(f"BUDGET#{strategy_id}", sk_prefix="CCY#", limit=1000)
        return [Budget.model_validate(record.data) for record in page.records]

    def of_strategy(self, strategy_id: str) -> list[Budget]:
        """Every currency budget of a strategy. Raises `BudgetNotFound` when it has none."""
        budgets = self.for_strategy(strategy_id)
        if not budgets:
            raise BudgetNotFound(f"strategy {strategy_id} has no budget")
        return budgets

    def registry(self, *, limit: int = 1000, cursor: str | None = None) -> BudgetPage:
        """All budgets, by strategy and currency."""
        page = self._store.query(ALL_BUDGETS, index="gsi1", limit=limit, cursor=cursor)
        return BudgetPage([Budget.model_validate(record.data) for record in page.records], page.cursor)

    # --- allocation -----------------------------------------------------------------------------

    def allocate(self, strategy_id: str, currency: str, allocated: float, *, actor: str = "system") -> Budget:
        """Create the budget or change its cap to `allocated`.

        Raises:
            BudgetInUse: the new cap is below what orders and positions hold now.
        """
        units = to_units(allocated)
        for _ in range(_MAX_ATTEMPTS):
            current = self.find(strategy_id, currency)
            try:
                if current is None:
                    return self._create(strategy_id, currency, units, actor=actor)
                return self._change(current, units, actor=actor)
            except ConditionFailed as exc:
                if current is not None and exc.current is not None and _cap_unchanged(current, exc.current):
                    in_use = current.allocated_units - int(exc.current["available_units"])
                    raise BudgetInUse(
                        f"{strategy_id} holds {from_units(in_use)} {currency} in orders and positions;"
                        f" the cap cannot go below that",
                        in_use=from_units(in_use),
                    ) from exc
            except NotFound:
                continue  # deleted meanwhile: create it on the next attempt
        raise BudgetInUse(f"the {currency} budget of {strategy_id} kept changing; retry")

    def ensure(self, strategy_id: str, currency: str, allocated: float, *, actor: str = "system") -> Budget:
        """Return the budget, creating it with `allocated` if there is none (an admin's cap wins)."""
        existing = self.find(strategy_id, currency)
        if existing is not None:
            return existing
        try:
            return self._create(strategy_id, currency, to_units(allocated), actor=actor)
        except ConditionFailed:
            return self.get(strategy_id, currency)

    def _create(self, strategy_id: str, currency: str, units: int, *, actor: str) -> Budget:
        now = self._clock()
        budget = Budget(
            strategy_id=strategy_id,
            currency=currency,
            allocated_units=units,
            available_units=units,
            updated_at=now,
        )
        entry = _audit(
            budget, AuditAction.BUDGET_SET, f"allocated {from_units(units)} {currency}", actor, now
        )
        transact_retrying(
            self._store, [Put(budget_record(budget), ItemAbsent()), Put(audit_record(entry), ItemAbsent())]
        )
        return budget

    def _change(self, current: Budget, units: int, *, actor: str) -> Budget:
        now = self._clock()
        delta = units - current.allocated_units
        condition = Attr("allocated_units").eq(current.allocated_units) & Attr("available_units").ge(-delta)
        update = Update(
            budget_key(current.strategy_id, current.currency),
            set={"allocated_units": units, "updated_at": now.isoformat()},
            add={"available_units": delta},
            condition=condition,
        )
        entry = _audit(
            current,
            AuditAction.BUDGET_SET,
            f"allocated {from_units(units)} {current.currency} (was {from_units(current.allocated_units)})",
            actor,
            now,
        )
        transact_retrying(self._store, [update, Put(audit_record(entry), ItemAbsent())])
        return self.get(current.strategy_id, current.currency)

    def delete(self, strategy_id: str, currency: str, *, actor: str = "system") -> None:
        """Delete the budget.

        Raises:
            BudgetNotFound: there is none.
            BudgetInUse: orders hold reservations or positions are open in it.
        """
        current = self.get(strategy_id, currency)
        now = self._clock()
        entry = _audit(current, AuditAction.BUDGET_DELETED, f"deleted the {currency} budget", actor, now)
        try:
            transact_retrying(
                self._store,
                [
                    Delete(
                        budget_key(strategy_id, currency),
                        condition=Attr("reserved_units").eq(0) & Attr("committed_units").eq(0),
                    ),
                    Put(audit_record(entry), ItemAbsent()),
                ],
            )
        except ConditionFailed as exc:
            if exc.current is None:
                raise BudgetNotFound(f"strategy {strategy_id} has no {currency} budget") from exc
            raise BudgetInUse(
                f"{strategy_id} has open reservations or positions in {currency}"
                f" (reserved {from_units(int(exc.current['reserved_units']))},"
                f" committed {from_units(int(exc.current['committed_units']))})"
            ) from exc

    # --- orders ---------------------------------------------------------------------------------

    def reserve_operation(self, strategy_id: str, currency: str, units: int) -> Update:
        """The write holding `units` for an order if that many are available, for use in a transaction.

        A failed transaction maps to the reason with `refusal`.
        """
        return Update(
            budget_key(strategy_id, currency),
            add={"reserved_units": units, "available_units": -units},
            set={"updated_at": self._clock().isoformat()},
            condition=Attr("available_units").ge(units),
        )

    def reserve(self, strategy_id: str, currency: str, units: int) -> Budget:
        """Hold `units` for an order, atomically, if that many are available.

        Raises:
            BudgetNotFound: the strategy has no budget in `currency`.
            InsufficientBudget: fewer than `units` are available.
        """
        try:
            record = self._store.update(self.reserve_operation(strategy_id, currency, units))
        except (NotFound, ConditionFailed) as exc:
            raise refusal(exc, strategy_id, currency, units) from exc
        return Budget.model_validate(record.data)

    def settle_operation(
        self,
        strategy_id: str,
        currency: str,
        *,
        released_units: int,
        committed_units: int = 0,
        realized_pnl_units: int = 0,
        fee_units: int = 0,
    ) -> Update:
        """The write booking an order's outcome: release its reservation, move capital, book P&L, fees."""
        add = {
            "reserved_units": -released_units,
            "committed_units": committed_units,
            "available_units": released_units - committed_units,
            "realized_pnl_units": realized_pnl_units,
            "total_fees_units": fee_units,
        }
        return Update(
            budget_key(strategy_id, currency),
            set={"updated_at": self._clock().isoformat()},
            add={name: value for name, value in add.items() if value},
        )


def _cap_unchanged(read: Budget, found: dict[str, object]) -> bool:
    return found.get("allocated_units") == read.allocated_units


def _audit(budget: Budget, action: AuditAction, detail: str, actor: str, at: datetime) -> AuditEntry:
    return AuditEntry(
        audit_id=uuid4().hex,
        action=action,
        at=at,
        strategy_id=budget.strategy_id,
        currency=budget.currency,
        actor=actor,
        detail=detail,
    )


def refusal(
    error: NotFound | ConditionFailed, strategy_id: str, currency: str, units: int
) -> BudgetNotFound | InsufficientBudget:
    """Why a reservation was refused: no budget (the update found no item), or too little available."""
    if isinstance(error, NotFound):
        return BudgetNotFound(f"strategy {strategy_id} has no {currency} budget")
    available = from_units(int((error.current or {}).get("available_units", 0)))
    return InsufficientBudget(
        f"order needs {from_units(units)} {currency} but {available} is available", available=available
    )
