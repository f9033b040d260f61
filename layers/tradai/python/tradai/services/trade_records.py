"""Closed dry-run and live trades of strategy versions, as stored: the catalog's performance reads
them; A/B tests (`ab_tests.record_trade`) write them and their arms.

Key (docs/data-model.md): every trade at `PERF#<strategy>`/`TRADE#<closed_at>#<trade_id>`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict

from tradai.domain.store import Key
from tradai.ports import DocumentStore

Mode = Literal["dry_run", "live"]
_PAGE = 1000


class TradeRecord(BaseModel):
    """One closed dry-run or live trade of a strategy version."""

    model_config = ConfigDict(extra="ignore")

    strategy_name: str
    version: str
    trade_id: str
    return_pct: float
    """The trade's return as a fraction of what it put at risk (0.01 = +1%)."""
    closed_at: datetime
    mode: Mode


def trade_key(strategy_name: str, stamp: str) -> Key:
    """Where a strategy's trade is stored; `stamp` is `<closed_at>#<trade_id>`."""
    return Key(f"PERF#{strategy_name}", f"TRADE#{stamp}")


def trades_of(*, store: DocumentStore, strategy_name: str, limit: int = 10_000) -> list[TradeRecord]:
    """A strategy's recorded dry-run and live trades, oldest first (at most `limit`)."""
    return [TradeRecord.model_validate(d) for d in documents(store, f"PERF#{strategy_name}", "TRADE#", limit)]


def documents(store: DocumentStore, partition: str, prefix: str, limit: int) -> list[dict[str, object]]:
    """The data of up to `limit` records of `partition` whose sort key starts with `prefix`, in order."""
    found: list[dict[str, object]] = []
    cursor: str | None = None
    while len(found) < limit:
        page = store.query(partition, sk_prefix=prefix, limit=min(_PAGE, limit - len(found)), cursor=cursor)
        found += [record.data for record in page.records]
        if page.cursor is None:
            break
        cursor = page.cursor
    return found
