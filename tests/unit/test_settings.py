"""Settings come only from TRADAI_* variables, with defaults that run locally."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from tradai.settings import Settings


def test_given_no_environment_when_settings_read_then_local_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(Path("/"))  # no .env file here
    settings = Settings()
    assert settings.runtime == "local"
    assert settings.data_dir == Path(".tradai")
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.cors_origins == ["*"]


def test_given_environment_when_settings_read_then_prefixed_values_win(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given
    monkeypatch.setenv("TRADAI_RUNTIME", "aws")
    monkeypatch.setenv("TRADAI_PORT", "9001")
    monkeypatch.setenv("TRADAI_CORS_ORIGINS", "http://localhost:3000, https://app.tradai.io")
    monkeypatch.setenv("TRADAI_DATA_DIR", "/tmp/x")

    # When
    settings = Settings()

    # Then
    assert settings.runtime == "aws"
    assert settings.port == 9001
    assert settings.cors_origins == ["http://localhost:3000", "https://app.tradai.io"]
    assert settings.store_path == Path("/tmp/x/tradai.sqlite3")


@pytest.mark.parametrize(
    ("name", "value"),
    [("TRADAI_RUNTIME", "gcp"), ("TRADAI_PORT", "0"), ("TRADAI_LOG_LEVEL", "LOUD")],
)
def test_given_invalid_value_when_settings_read_then_refused(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError):
        Settings()


def test_given_prod_with_open_cors_when_settings_read_then_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRADAI_ENVIRONMENT", "prod")
    with pytest.raises(ValidationError, match="CORS"):
        Settings()
