"""What the AWS adapters share: a boto3 client handed in ready (tests pass moto's) or built on first
use (off the cold start), and the error code of a botocore error."""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from tradai.domain.errors import Unavailable

_UNBUILT: weakref.WeakSet[LazyClient] = weakref.WeakSet()
"""Lazy clients whose client is not built yet, for `prime_clients`."""


class LazyClient:
    """Holds one boto3 client; `get()` builds it with the factory the first time it is needed."""

    def __init__(
        self, client: Any | None, factory: Callable[[], Any] | None, *, missing: Unavailable
    ) -> None:
        self._client = client
        self._factory = factory
        self._missing = missing
        if client is None and factory is not None:
            _UNBUILT.add(self)

    def get(self) -> Any:
        """The client. Raises the `missing` error when neither a client nor a factory was given."""
        if self._client is None:
            if self._factory is None:
                raise self._missing
            self._client = self._factory()
            _UNBUILT.discard(self)
        return self._client

    def prime(self) -> None:
        """Build a client and drop it: boto3, botocore and this service's model are then loaded in the
        process (and in a SnapStart snapshot of it), while the client `get()` builds later resolves its
        credentials and opens its connections after the restore, not before."""
        if self._client is None and self._factory is not None:
            self._factory()


def prime_clients() -> int:
    """Prime every lazy client not built yet (see `LazyClient.prime`); return how many."""
    clients = list(_UNBUILT)
    for client in clients:
        client.prime()
    return len(clients)


def error_code(error: Exception) -> str:
    """The AWS error code of a botocore `ClientError` (`ConditionalCheckFailedException`), else ""."""
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code") or "")
    return ""
