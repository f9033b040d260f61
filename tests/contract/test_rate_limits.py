"""Rate-limit windows live in the document store, so they hold across processes and on both adapters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.conftest import FakeClock
from tradai.domain.errors import RateLimited
from tradai.ports import DocumentStore
from tradai.services.rate_limits import RateLimit, enforce


@pytest.fixture
def start(clock: FakeClock) -> datetime:
    """The start of a minute, at the store's clock (counters expire by that clock)."""
    minute = int(clock.now) - int(clock.now) % 60
    clock.now = minute
    return datetime.fromtimestamp(minute, tz=UTC)


def test_given_limit_when_exceeded_then_rate_limited_until_the_window_ends(
    store: DocumentStore, start: datetime
) -> None:
    # Given a limit of 10 per minute and 10 requests 20 s into the window
    rate = RateLimit(limit=10)
    now = start + timedelta(seconds=20)
    counts = [enforce(store=store, rate=rate, caller="alice", route="submit", now=now) for _ in range(10)]

    # When the 11th arrives
    with pytest.raises(RateLimited) as refused:
        enforce(store=store, rate=rate, caller="alice", route="submit", now=now)

    # Then
    assert counts == list(range(1, 11))
    assert refused.value.detail == "Rate limit exceeded: 10 per 1 minute"
    assert refused.value.retry_after_seconds == 40


def test_given_full_window_when_next_window_starts_or_other_caller_then_allowed(
    store: DocumentStore, start: datetime
) -> None:
    rate = RateLimit(limit=1)
    enforce(store=store, rate=rate, caller="alice", route="submit", now=start)
    assert enforce(store=store, rate=rate, caller="bob", route="submit", now=start) == 1
    assert enforce(store=store, rate=rate, caller="alice", route="other", now=start) == 1
    assert (
        enforce(store=store, rate=rate, caller="alice", route="submit", now=start + timedelta(minutes=1)) == 1
    )
