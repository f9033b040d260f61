"""Transactions on hot items (a strategy's budget) that retry when they collide.

DynamoDB cancels a transaction that races another on the same item (`TransactionConflict`, which the
adapter raises as `StoreUnavailable`); nothing was written, so the same operations are simply sent
again after a short, jittered pause. Failed conditions are not retried: they are answers.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence

from tradai.domain.errors import StoreUnavailable
from tradai.domain.store import WriteOperation
from tradai.ports import DocumentStore

ATTEMPTS = 4
_PAUSE_SECONDS = 0.02


def transact_retrying(
    store: DocumentStore, operations: Sequence[WriteOperation], *, attempts: int = ATTEMPTS
) -> None:
    """Apply `operations` all-or-nothing, retrying a collision up to `attempts` times in all.

    Raises:
        ConditionFailed: a condition did not hold (never retried).
        StoreUnavailable: the store still refused after the last attempt.
    """
    for attempt in range(1, attempts + 1):
        try:
            store.transact(operations)
            return
        except StoreUnavailable:
            if attempt == attempts:
                raise
            time.sleep(random.uniform(0, _PAUSE_SECONDS * 2**attempt))  # noqa: S311 - jitter, not security
