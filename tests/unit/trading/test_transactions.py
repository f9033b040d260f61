"""Transactions on hot items retry collisions, never failed conditions."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from tradai.domain.errors import ConditionFailed, StoreUnavailable
from tradai.domain.store import Key, Put, Record, WriteOperation
from tradai.services.transactions import transact_retrying

OPERATIONS = [Put(Record(Key("BUDGET#s1", "CCY#USDT"), {"reserved_units": 1}))]


class CollidingStore:
    """Refuses the first `collisions` transactions as DynamoDB does when they race, then applies one."""

    def __init__(self, collisions: int, error: Exception | None = None) -> None:
        self.collisions = collisions
        self.error = error or StoreUnavailable("transaction collided with another; retry")
        self.applied: list[Sequence[WriteOperation]] = []
        self.attempts = 0

    def transact(self, operations: Sequence[WriteOperation]) -> None:
        self.attempts += 1
        if self.attempts <= self.collisions:
            raise self.error
        self.applied.append(operations)


def test_given_two_collisions_when_transacted_then_applied_once_on_the_third_attempt() -> None:
    # Given
    store = CollidingStore(collisions=2)

    # When
    transact_retrying(store, OPERATIONS)  # type: ignore[arg-type]

    # Then
    assert (store.attempts, store.applied) == (3, [OPERATIONS])


def test_given_store_keeps_colliding_when_transacted_then_unavailable_after_the_last_attempt() -> None:
    # Given
    store = CollidingStore(collisions=99)

    # When / Then
    with pytest.raises(StoreUnavailable):
        transact_retrying(store, OPERATIONS, attempts=3)  # type: ignore[arg-type]
    assert store.attempts == 3


def test_given_failed_condition_when_transacted_then_not_retried() -> None:
    # Given
    store = CollidingStore(collisions=1, error=ConditionFailed("budget changed"))

    # When / Then
    with pytest.raises(ConditionFailed):
        transact_retrying(store, OPERATIONS)  # type: ignore[arg-type]
    assert store.attempts == 1
