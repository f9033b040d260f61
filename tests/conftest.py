"""Test-wide setup: no test may reach AWS or any network, and none reads the developer's config.

The suite runs in parallel under pytest-xdist (`make test`) and serially (plain `pytest`) alike:
every test writes only under its own `tmp_path` (per worker), servers bind free ports, and a file's
tests run on one worker so its module-scoped fixtures (a server, a registry) are built once.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cdk_synth import dev, prod, synthesize  # noqa: F401 (session fixtures: one synthesis per run)

# Fake credentials and a fixed region before any boto3 client is built; moto intercepts the calls.
for name, value in {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "eu-central-1",
    "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
}.items():
    os.environ[name] = value
for name in [name for name in os.environ if name.startswith("TRADAI_")]:
    del os.environ[name]


class FakeClock:
    """Epoch seconds that tests move by hand."""

    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh TRADAI_DATA_DIR, with the settings cache cleared around the test."""
    from tradai.settings import get_settings

    monkeypatch.setenv("TRADAI_DATA_DIR", str(tmp_path / "tradai"))
    get_settings.cache_clear()
    yield tmp_path / "tradai"
    get_settings.cache_clear()


# Files whose cases share no state (each fuzz case builds its own request): spread case by case.
SPREAD_OVER_WORKERS = ("tests/fuzz/",)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadfile`, except that cases of `SPREAD_OVER_WORKERS` files go to any worker.

    A file's tests stay on one worker, so a module-scoped fixture (a served app, a moto server, a
    registry) is built once, not once per worker; the fuzz file alone is a large share of the suite.
    """
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class FileOrCaseScheduling(LoadFileScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            if nodeid.startswith(SPREAD_OVER_WORKERS):
                return nodeid
            return str(super()._split_scope(nodeid))

    return FileOrCaseScheduling(config, log)
