"""Test-wide setup: no test may reach AWS or any network, and none reads the developer's config."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

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
