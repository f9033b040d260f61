"""What the AWS adapters share: a boto3 client handed in ready (tests pass moto's) or built on first
use (off the cold start), and the error code of a botocore error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tradai.domain.errors import Unavailable


class LazyClient:
    """Holds one boto3 client; `get()` builds it with the factory the first time it is needed."""

    def __init__(
        self, client: Any | None, factory: Callable[[], Any] | None, *, missing: Unavailable
    ) -> None:
        self._client = client
        self._factory = factory
        self._missing = missing

    def get(self) -> Any:
        """The client. Raises the `missing` error when neither a client nor a factory was given."""
        if self._client is None:
            if self._factory is None:
                raise self._missing
            self._client = self._factory()
        return self._client


def error_code(error: Exception) -> str:
    """The AWS error code of a botocore `ClientError` (`ConditionalCheckFailedException`), else ""."""
    response = getattr(error, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code") or "")
    return ""
