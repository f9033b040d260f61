"""Fixed-window rate limits kept in the document store, so every server process and Lambda shares them.

Each (caller, route, window) is one counter item that expires a minute after its window ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from tradai.domain.errors import ConditionFailed, NotFound, RateLimited, StoreUnavailable
from tradai.domain.store import ItemAbsent, Key, Record, Update
from tradai.ports import DocumentStore

_RETRIES = 3


@dataclass(frozen=True)
class RateLimit:
    """At most `limit` requests per `window_seconds`."""

    limit: int
    window_seconds: int = 60

    def describe(self) -> str:
        """Say the limit the way seed 002 does: "10 per 1 minute"."""
        if self.window_seconds % 60 == 0:
            minutes = self.window_seconds // 60
            return f"{self.limit} per {minutes} minute{'s' if minutes > 1 else ''}"
        return f"{self.limit} per {self.window_seconds} seconds"


def enforce(*, store: DocumentStore, rate: RateLimit, caller: str, route: str, now: datetime) -> int:
    """Count one request of `caller` on `route` and return the count in this window.

    Raises:
        RateLimited: the count is over the limit; `retry_after_seconds` says when the window ends.
    """
    epoch = int(now.timestamp())
    window_start = epoch - epoch % rate.window_seconds
    window_end = window_start + rate.window_seconds
    count = _increment(store, Key(f"RATE#{caller}#{route}", str(window_start)), expires_at=window_end + 60)
    if count > rate.limit:
        raise RateLimited(
            f"Rate limit exceeded: {rate.describe()}", retry_after_seconds=max(1, window_end - epoch)
        )
    return count


def _increment(store: DocumentStore, key: Key, *, expires_at: int) -> int:
    for _ in range(_RETRIES):
        try:
            return int(store.update(Update(key, add={"count": 1})).data["count"])
        except NotFound:
            try:
                store.put(Record(key, {"count": 1}, expires_at=expires_at), condition=ItemAbsent())
            except ConditionFailed:
                continue  # another request created the window first; count on it
            return 1
    raise StoreUnavailable("rate-limit counter is contended; retry")
