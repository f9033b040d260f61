"""How fills move a position: open, add, reduce, close, flip; realized P&L and committed capital.

Pure arithmetic on the models of `tradai.domain.orders`: the order pipeline calls `apply_fill`
for each fill and writes the result in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from tradai.domain.orders import (
    Fill,
    Position,
    PositionSide,
    PositionStatus,
    Side,
    cost_units,
    to_units,
)

_FLAT = 1e-12
"""A remaining quantity this small (relative to the position) is float noise: the position is flat."""


@dataclass
class FillEffect:
    """What one fill did: the open position after it, positions it closed, and the money it moved."""

    open: Position | None
    closed: list[Position] = field(default_factory=list)
    opened: list[Position] = field(default_factory=list)
    realized_pnl_units: int = 0
    committed_units: int = 0
    """Change of the capital held by open positions (entry cost and fees added minus cost released)."""


def apply_fill(
    position: Position | None,
    fill: Fill,
    *,
    tag: str | None,
    strategy_name: str | None,
    new_position_id: Callable[[], str],
) -> FillEffect:
    """Apply `fill` to the instance's open position in its market (None when flat)."""
    if position is None or position.status is PositionStatus.CLOSED:
        opened = _open(
            fill, fill.quantity, tag=tag, strategy_name=strategy_name, position_id=new_position_id()
        )
        return FillEffect(open=opened, opened=[opened], committed_units=opened.cost_units)
    if _side_of(fill.side) is position.side:
        return _add(position, fill)
    return _reduce(position, fill, tag=tag, strategy_name=strategy_name, new_position_id=new_position_id)


def _side_of(side: Side) -> PositionSide:
    return PositionSide.LONG if side is Side.BUY else PositionSide.SHORT


def _open(
    fill: Fill, quantity: float, *, tag: str | None, strategy_name: str | None, position_id: str
) -> Position:
    fee_units = round(fill.fee_units * quantity / fill.quantity)  # the entry's share of the fill's fee
    return Position(
        position_id=position_id,
        strategy_id=fill.strategy_id,
        strategy_name=strategy_name,
        instance_id=fill.instance_id,
        symbol=fill.symbol,
        instrument_id=fill.instrument_id,
        currency=fill.currency,
        side=_side_of(fill.side),
        quantity=quantity,
        entry_price=fill.price,
        cost_units=cost_units(quantity * fill.price) + fee_units,
        fees_units=fee_units,
        entry_tag=tag,
        opened_at=fill.filled_at,
        updated_at=fill.filled_at,
    )


def _add(position: Position, fill: Fill) -> FillEffect:
    quantity = position.quantity + fill.quantity
    added_cost = cost_units(fill.quantity * fill.price) + fill.fee_units
    updated = position.model_copy(
        update={
            "quantity": quantity,
            "entry_price": (position.quantity * position.entry_price + fill.quantity * fill.price) / quantity,
            "cost_units": position.cost_units + added_cost,
            "fees_units": position.fees_units + fill.fee_units,
            "updated_at": fill.filled_at,
            "version": position.version + 1,
        }
    )
    return FillEffect(open=updated, committed_units=added_cost)


def _reduce(
    position: Position,
    fill: Fill,
    *,
    tag: str | None,
    strategy_name: str | None,
    new_position_id: Callable[[], str],
) -> FillEffect:
    reduced = min(fill.quantity, position.quantity)
    direction = 1 if position.side is PositionSide.LONG else -1
    pnl_units = to_units((fill.price - position.entry_price) * reduced * direction)
    remaining = position.quantity - reduced
    flat = remaining <= position.quantity * _FLAT
    released = position.cost_units if flat else round(position.cost_units * reduced / position.quantity)
    closed_quantity = position.closed_quantity + reduced
    exit_price = (
        (position.exit_price or 0.0) * position.closed_quantity + fill.price * reduced
    ) / closed_quantity
    reduce_fee = round(fill.fee_units * reduced / fill.quantity)
    updated = position.model_copy(
        update={
            "quantity": 0.0 if flat else remaining,
            "cost_units": 0 if flat else position.cost_units - released,
            "closed_quantity": closed_quantity,
            "exit_price": exit_price,
            "realized_pnl_units": position.realized_pnl_units + pnl_units,
            "fees_units": position.fees_units + reduce_fee,
            "exit_tag": tag or position.exit_tag,
            "updated_at": fill.filled_at,
            "version": position.version + 1,
            **({"status": PositionStatus.CLOSED, "closed_at": fill.filled_at} if flat else {}),
        }
    )
    effect = FillEffect(
        open=None if flat else updated, realized_pnl_units=pnl_units, committed_units=-released
    )
    if flat:
        effect.closed.append(updated)
    flip = fill.quantity - reduced
    if flat and flip > fill.quantity * _FLAT:
        # The fill went through zero: the rest opens a position on the other side.
        opened = _open(fill, flip, tag=tag, strategy_name=strategy_name, position_id=new_position_id())
        effect.open = opened
        effect.opened.append(opened)
        effect.committed_units += opened.cost_units
    return effect
