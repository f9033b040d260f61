"""Submit a backtest to a TradAI server and follow it live over the WebSocket (`tradai backtest --server`)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any

from tradai.domain.errors import InvalidInput, TradaiError, Unavailable
from tradai.domain.jobs import TERMINAL_STATUSES

TERMINAL = {status.value for status in TERMINAL_STATUSES}


class RemoteError(TradaiError):
    """The server refused the request; its code and detail are passed on."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code  # type: ignore[misc]  # the server's code, per instance


class Client:
    """A minimal JSON client for the TradAI HTTP API."""

    def __init__(self, server: str, token: str | None = None, timeout: float = 30.0) -> None:
        self.base = server.rstrip("/")
        self.token = token
        self.timeout = timeout

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """Send one request and return the JSON body; raise `RemoteError` on a 4xx/5xx answer."""
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.base}{path}", data=data, headers=headers, method=method)  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                answer: dict[str, Any] = json.loads(response.read())
                return answer
        except urllib.error.HTTPError as error:
            payload = _json_or_empty(error.read())
            raise RemoteError(
                str(payload.get("code", f"HTTP_{error.code}")), str(payload.get("detail", error))
            ) from None
        except (urllib.error.URLError, TimeoutError) as error:
            raise Unavailable(f"cannot reach {self.base}: {error}") from None


def submit_and_follow(
    client: Client, body: dict[str, Any], on_update: Callable[[dict[str, Any]], None]
) -> dict[str, Any]:
    """Submit `body`, call `on_update` with every message the job's WebSocket sends, return the final one."""
    from websockets.exceptions import WebSocketException
    from websockets.sync.client import connect

    created = client.request("POST", "/api/v1/backtests", body)
    ticket = client.request("POST", "/api/v1/ws/ticket", {"job_id": created["job_id"]})
    last: dict[str, Any] = {"job_id": created["job_id"], "status": created["status"]}
    try:
        with connect(ticket["ws_url"], open_timeout=10) as socket:
            for raw in socket:
                message = json.loads(raw)
                on_update(message)
                if "type" not in message:
                    last = message
    except (OSError, WebSocketException) as error:
        raise Unavailable(f"lost the live connection: {error}") from None
    if last.get("status") not in TERMINAL:
        raise InvalidInput(f"the job's live connection closed before it finished ({last.get('status')})")
    return last


def _json_or_empty(raw: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(raw)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
