"""The app's per-environment config and the Docker-free layer build, without synthesizing anything."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("aws_cdk", reason="the cdk dependency group is not installed (make cdk-setup)")

from cdk.config import PLACEHOLDER_ACCOUNT, load_config
from cdk.constants import LAYER_PLATFORM, LAYER_PYTHON_VERSION
from cdk.layer_build import REQUIREMENTS, install_command, prepare_layer

from tests.uv_lock import locked_closure

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def context() -> dict[str, Any]:
    """cdk.json's context block."""
    context: dict[str, Any] = json.loads((REPO_ROOT / "cdk.json").read_text())["context"]
    return context


@pytest.mark.parametrize("environment", ["dev", "staging", "prod"])
def test_given_cdk_json_when_loading_each_environment_then_it_is_complete(
    context: dict[str, Any], environment: str
) -> None:
    # When
    config = load_config(context | {"env": environment}, default_account="123456789012")

    # Then: the placeholder account defers to the caller's
    assert config.name == environment
    assert config.account == "123456789012"
    assert len(config.availability_zones) == 2
    assert config.nat_gateways >= 1


def test_given_prod_with_open_cors_when_loading_then_it_is_refused(context: dict[str, Any]) -> None:
    # Given
    context["environments"]["prod"]["cors_origins"] = ["*"]

    # When / Then
    with pytest.raises(ValueError, match="explicit CORS origins"):
        load_config(context | {"env": "prod"})


def test_given_unknown_environment_when_loading_then_it_names_the_known_ones(context: dict[str, Any]) -> None:
    # When / Then
    with pytest.raises(ValueError, match="'dev', 'prod', 'staging'"):
        load_config(context | {"env": "qa"})


def test_given_real_account_when_loading_then_it_is_kept(context: dict[str, Any]) -> None:
    # Given
    context["environments"]["dev"]["account"] = "111122223333"

    # When
    config = load_config(context, default_account="999999999999")

    # Then
    assert config.account == "111122223333"
    assert config.account != PLACEHOLDER_ACCOUNT


def test_given_requirements_when_building_install_command_then_it_fetches_lambda_platform_wheels_only() -> (
    None
):
    # When
    command = install_command(Path("req.txt"), Path("out"))

    # Then
    assert command[1:4] == ["-m", "pip", "install"]
    assert "--only-binary=:all:" in command
    assert command[command.index("--platform") + 1] == LAYER_PLATFORM == "manylinux2014_aarch64"
    assert command[command.index("--python-version") + 1] == LAYER_PYTHON_VERSION == "3.12"
    assert command[command.index("--target") + 1] == "out"


def test_given_uv_lock_when_compared_with_the_layer_requirements_then_they_pin_the_same_packages() -> None:
    # Given: what the Lambda layer installs (`make layer-deps` writes it from uv.lock)
    pinned = dict(re.findall(r"^([A-Za-z0-9_.-]+)==([^ ;\n]+)", REQUIREMENTS.read_text(), re.MULTILINE))

    # When
    locked = locked_closure()

    # Then: a dependency added to pyproject.toml without `make layer-deps` would be missing in AWS
    # (pyjwt was: every authenticated request would have failed on `import jwt`)
    assert pinned == locked


def test_given_unchanged_requirements_when_preparing_twice_then_wheels_install_once_and_package_is_fresh(
    tmp_path: Path,
) -> None:
    # Given: a package and requirements; an installer that records its calls
    package = tmp_path / "src" / "tradai"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("VERSION = 1\n")
    (package / "__pycache__").mkdir()
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("pydantic==2.0\n")
    calls: list[Sequence[str]] = []

    def prepare() -> Path:
        return prepare_layer(
            staging_root=tmp_path / "staging",
            package_source=package,
            requirements=requirements,
            run=calls.append,
            find_interpreter=lambda version: None,
        )

    # When
    first = prepare()
    (package / "__init__.py").write_text("VERSION = 2\n")
    second = prepare()

    # Then
    assert first == second
    assert len(calls) == 1
    assert (second / "python" / "tradai" / "__init__.py").read_text() == "VERSION = 2\n"
    assert not (second / "python" / "tradai" / "__pycache__").exists()


def test_given_changed_requirements_when_preparing_then_a_new_folder_is_installed(tmp_path: Path) -> None:
    # Given
    package = tmp_path / "tradai"
    package.mkdir()
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("pydantic==2.0\n")
    calls: list[Sequence[str]] = []
    first = prepare_layer(
        staging_root=tmp_path / "staging",
        package_source=package,
        requirements=requirements,
        run=calls.append,
        find_interpreter=lambda version: None,
    )

    # When
    requirements.write_text("pydantic==2.1\n")
    second = prepare_layer(
        staging_root=tmp_path / "staging",
        package_source=package,
        requirements=requirements,
        run=calls.append,
        find_interpreter=lambda version: None,
    )

    # Then
    assert second != first
    assert len(calls) == 2


def test_given_custom_domain_without_certificate_when_loading_then_it_is_refused(
    context: dict[str, Any],
) -> None:
    # Given
    context["environments"]["staging"]["custom_domain"] = "api.staging.tradai.example.com"

    # When / Then
    with pytest.raises(ValueError, match="custom_domain_certificate_arn"):
        load_config(context | {"env": "staging"})


@pytest.mark.parametrize("environment", ["dev", "staging", "prod"])
def test_given_cdk_json_when_loading_then_live_trading_is_off_in_every_environment(
    context: dict[str, Any], environment: str
) -> None:
    # When
    config = load_config(context | {"env": environment})

    # Then
    assert config.live_trading is False


def test_given_live_trading_as_a_string_when_loading_then_it_is_refused(context: dict[str, Any]) -> None:
    # Given: "false" would be truthy if read loosely, which would turn real orders on
    context["environments"]["dev"]["live_trading"] = "false"

    # When / Then
    with pytest.raises(ValueError, match="live_trading must be true or false"):
        load_config(context)


def test_given_no_live_trading_key_when_loading_then_it_is_off(context: dict[str, Any]) -> None:
    # Given: an environment block written before the switch existed
    del context["environments"]["dev"]["live_trading"]

    # When / Then
    assert load_config(context).live_trading is False
