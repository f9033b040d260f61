"""ConnectionSender on API Gateway's management API (`post_to_connection`, `delete_connection`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from tradai.adapters.aws_clients import LazyClient, error_code
from tradai.domain.errors import ConnectionGone, Unavailable

_GONE = {"GoneException", "NotFoundException", "410"}


class ApiGatewayConnectionSender:
    """Posts JSON to WebSocket connections of one API Gateway stage."""

    def __init__(self, *, client: Any | None = None, client_factory: Callable[[], Any] | None = None) -> None:
        self._client = LazyClient(
            client, client_factory, missing=Unavailable("the WebSocket management endpoint is not configured")
        )

    @property
    def client(self) -> Any:
        return self._client.get()

    def send(self, connection_id: str, message: dict[str, Any]) -> None:
        payload = json.dumps(message, separators=(",", ":"), default=str).encode()
        try:
            self.client.post_to_connection(ConnectionId=connection_id, Data=payload)
        except ClientError as exc:
            if error_code(exc) in _GONE:
                raise ConnectionGone(f"connection {connection_id} is gone") from exc
            raise Unavailable(f"could not post to connection {connection_id}") from exc
        except BotoCoreError as exc:
            raise Unavailable(f"could not reach the WebSocket API: {exc}") from exc

    def close(self, connection_id: str) -> None:
        try:
            self.client.delete_connection(ConnectionId=connection_id)
        except ClientError as exc:
            if error_code(exc) not in _GONE:
                raise Unavailable(f"could not close connection {connection_id}") from exc
