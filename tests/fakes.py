"""In-memory fakes of the ports, for unit tests of services and routes (fakes over mocks)."""

from __future__ import annotations

from tradai.domain.errors import StoreUnavailable


class FakeProbe:
    """A dependency whose health a test decides."""

    def __init__(self, name: str = "fake", *, healthy: bool = True, crash: bool = False) -> None:
        self.name = name
        self.healthy = healthy
        self.crash = crash
        self.pings = 0

    def ping(self) -> None:
        self.pings += 1
        if self.crash:
            raise RuntimeError("probe bug")
        if not self.healthy:
            raise StoreUnavailable("database is locked")
