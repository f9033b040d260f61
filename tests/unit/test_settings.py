"""Settings come only from TRADAI_* variables (or a .env file), with defaults that run locally."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import ValidationError

from tradai.settings import Settings, variables


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


# --- the reader: which variables, in what order of precedence --------------------------------


@pytest.fixture
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No TRADAI_/BACKEND_ variable set, and a working directory of our own for `.env`."""
    for name in [n for n in os.environ if n.upper().startswith(("TRADAI_", "BACKEND_"))]:
        monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_given_variables_in_any_case_when_read_then_only_prefixed_ones_count(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given: a lower-case TradAI variable, and an unprefixed one that means nothing to TradAI
    monkeypatch.setenv("tradai_host", "0.0.0.0")
    monkeypatch.setenv("PORT", "9999")

    # When
    settings = Settings()

    # Then
    assert (settings.host, settings.port) == ("0.0.0.0", 8000)
    assert settings.model_fields_set == {"host"}


def test_given_seed_002_backend_names_when_read_then_they_configure_cognito(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given: the older names, and one field also set by its TRADAI_ name
    monkeypatch.setenv("BACKEND_COGNITO_USER_POOL_ID", "eu-central-1_old")
    monkeypatch.setenv("BACKEND_COGNITO_CLIENT_ID", "spa, m2m")
    monkeypatch.setenv("BACKEND_COGNITO_REGION", "us-east-1")
    monkeypatch.setenv("TRADAI_COGNITO_REGION", "eu-west-1")

    # When
    settings = Settings()

    # Then: the older names are read; the TRADAI_ name wins where both are set
    assert settings.cognito_user_pool_id == "eu-central-1_old"
    assert settings.cognito_client_ids == ["spa", "m2m"]
    assert settings.cognito_region == "eu-west-1"
    assert settings.auth_mode == "cognito"
    assert variables("cognito_client_ids") == ("TRADAI_COGNITO_CLIENT_IDS", "BACKEND_COGNITO_CLIENT_ID")
    assert variables("port") == ("TRADAI_PORT",)


def test_given_a_dotenv_file_when_read_then_it_fills_what_the_environment_leaves_unset(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given: a .env in the working directory, and real variables for two of its fields (one by
    # its older name)
    (clean_env / ".env").write_text(
        "# local overrides\n"
        "TRADAI_PORT=9000\n"
        "export TRADAI_HOST='0.0.0.0'\n"
        "TRADAI_COGNITO_REGION=us-east-1\n"
        "TRADAI_INSTANCE_SUBNETS=subnet-a,subnet-b\n"
        "UNRELATED=1\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("TRADAI_PORT", "9100")
    monkeypatch.setenv("BACKEND_COGNITO_REGION", "eu-west-1")

    # When
    settings = Settings()

    # Then: the real environment wins field by field, whatever name it used
    assert settings.port == 9100
    assert settings.cognito_region == "eu-west-1"
    assert settings.host == "0.0.0.0"
    assert settings.instance_subnets == ["subnet-a", "subnet-b"]


def test_given_a_dotenv_file_when_read_without_it_then_it_is_ignored(clean_env: Path) -> None:
    # Given
    (clean_env / ".env").write_text("TRADAI_PORT=9000\n", encoding="utf-8")

    # When / Then
    assert Settings(_env_file=None).port == 8000
    assert Settings().port == 9000


def test_given_values_passed_in_when_constructed_then_they_win_over_the_environment(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given
    monkeypatch.setenv("TRADAI_PORT", "9100")
    monkeypatch.setenv("BACKEND_COGNITO_CLIENT_ID", "from-env")
    monkeypatch.setenv("TRADAI_TABLE_NAME", "tradai-test")

    # When
    settings = Settings(port=7000, cognito_client_ids=["given"])

    # Then: the given values, and the environment for the rest
    assert (settings.port, settings.cognito_client_ids) == (7000, ["given"])
    assert settings.table_name == "tradai-test"


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("TRADAI_CORS_ORIGINS", "https://a.example.com, https://b.example.com,"),
        ("TRADAI_COGNITO_CLIENT_IDS", "https://a.example.com,https://b.example.com"),
        ("TRADAI_INSTANCE_SECURITY_GROUPS", " https://a.example.com ,https://b.example.com "),
    ],
)
def test_given_a_comma_separated_list_when_read_then_it_is_split_and_trimmed(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, setting: str, value: str
) -> None:
    # Given
    monkeypatch.setenv(setting, value)

    # When
    settings = Settings()

    # Then
    field = setting.removeprefix("TRADAI_").lower()
    assert getattr(settings, field) == ["https://a.example.com", "https://b.example.com"]


def test_given_list_defaults_when_two_settings_built_then_they_share_no_list(clean_env: Path) -> None:
    # When
    first, second = Settings(), Settings()

    # Then
    assert first.cors_origins == second.cors_origins == ["*"]
    assert first.cors_origins is not second.cors_origins
    assert first.instance_subnets is not second.instance_subnets


@pytest.mark.parametrize(
    ("name", "value", "in_dotenv"),
    [
        ("TRADAI_PORT", "0", False),
        ("tradai_replay_bars", "many", False),
        ("TRADAI_LIVE_TRADING", "maybe", False),
        ("TRADAI_LOG_LEVEL", "LOUD", True),
    ],
)
def test_given_an_invalid_value_when_read_then_the_error_names_the_variable(
    clean_env: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str, in_dotenv: bool
) -> None:
    # Given
    if in_dotenv:
        (clean_env / ".env").write_text(f"{name}={value}\n", encoding="utf-8")
    else:
        monkeypatch.setenv(name, value)

    # When
    with pytest.raises(ValidationError) as raised:
        Settings()

    # Then: the error is located at the variable (as TradAI spells it), not at a field name
    assert [error["loc"] for error in raised.value.errors()] == [(name.upper(),)]
    assert name.upper() in str(raised.value)
