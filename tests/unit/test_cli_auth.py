"""`tradai auth token` prints a token the dev-mode API accepts."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from tradai.bootstrap import build_authenticator
from tradai.cli import app
from tradai.domain.identity import Role
from tradai.settings import Settings


def test_given_dev_auth_when_token_printed_then_the_api_verifier_accepts_it(data_dir: Path) -> None:
    # Given / When
    result = CliRunner().invoke(app, ["auth", "token", "--sub", "alice", "--groups", "viewer,admin"])

    # Then
    assert result.exit_code == 0, result.output
    authenticator = build_authenticator(Settings(data_dir=data_dir, auth="dev"))
    assert authenticator is not None
    principal = authenticator.authenticate(result.output.strip())
    assert principal.subject == "alice"
    assert principal.role is Role.ADMIN


@pytest.mark.parametrize("arguments", [["auth", "token"], ["auth", "token", "--sub", "a", "--ttl", "5"]])
def test_given_bad_arguments_when_token_requested_then_usage_error(
    data_dir: Path, arguments: list[str]
) -> None:
    result = CliRunner().invoke(app, arguments)
    assert result.exit_code == 2
