"""Recorded exchange answers for real ccxt objects (the real parsing runs; no network)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

from tests.conftest import FakeClock

FIXTURES = Path(__file__).parent / "fixtures" / "exchange"


class RecordedExchange:
    """Answers a real ccxt exchange object's HTTP requests from responses recorded in `fixtures/exchange`.

    Klines are served as the exchange would: from `startTime`, at most `limit` rows. `failures`
    network errors come first; `overlap` repeats the bar before `startTime`, as some exchanges do.
    """

    def __init__(self, *, failures: int = 0, overlap: bool = False) -> None:
        self.failures = failures
        self.overlap = overlap
        self.urls: list[str] = []

    def install(self, client: Any) -> Any:
        """Replace `client.fetch`, the one method every ccxt request goes through."""
        self.folder = FIXTURES / client.id
        client.fetch = self.fetch
        return client

    def fetch(self, url: str, method: str = "GET", headers: Any = None, body: Any = None) -> Any:
        import ccxt

        self.urls.append(url)
        if self.failures:
            self.failures -= 1
            raise ccxt.NetworkError("binanceusdm GET https://fapi.binance.com: connection reset by peer")
        parsed = urlparse(url)
        name = parsed.path.rsplit("/", 1)[-1]
        if name != "klines":
            return json.loads((self.folder / f"{name}.json").read_text())
        query = {key: values[0] for key, values in parse_qs(parsed.query).items()}
        rows = json.loads((self.folder / f"klines_{query['symbol']}_{query['interval']}.json").read_text())
        start = int(query["startTime"])
        first = next((i for i, row in enumerate(rows) if row[0] >= start), len(rows))
        if self.overlap and first > 0:
            first -= 1
        return rows[first : first + int(query["limit"])]


class FakeSleep:
    """Records the pauses asked for and moves the clock instead of waiting."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.pauses: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.clock.advance(seconds)
