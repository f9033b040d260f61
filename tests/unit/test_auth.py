"""Token verification: only well-formed RS256 tokens of our issuer and clients get in, with the right role."""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path

import jwt
import pytest

from tradai.adapters.dev_keys import DEV_CLIENT_ID, DEV_ISSUER, DEV_KEY_ID, DevTokenKeys
from tradai.domain.errors import Forbidden, NotAuthenticated
from tradai.domain.identity import Role
from tradai.services.auth import Authenticator


@pytest.fixture
def keys(tmp_path: Path) -> DevTokenKeys:
    return DevTokenKeys(tmp_path / "auth" / "key.pem")


@pytest.fixture
def authenticator(keys: DevTokenKeys) -> Authenticator:
    return Authenticator(keys=keys, issuer=DEV_ISSUER, client_ids=[DEV_CLIENT_ID], leeway_seconds=30)


def user_claims(**overrides: object) -> dict[str, object]:
    now = int(time.time())
    claims: dict[str, object] = {
        "sub": "alice",
        "username": "alice",
        "iss": DEV_ISSUER,
        "client_id": DEV_CLIENT_ID,
        "token_use": "access",
        "cognito:groups": ["trader"],
        "iat": now,
        "exp": now + 600,
    }
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


@pytest.mark.parametrize(
    ("groups", "role"),
    [
        ([], Role.VIEWER),
        (["viewer"], Role.VIEWER),
        (["trader"], Role.TRADER),
        (["viewer", "admin"], Role.ADMIN),
    ],
)
def test_given_user_token_when_authenticated_then_highest_group_role(
    keys: DevTokenKeys, authenticator: Authenticator, groups: list[str], role: Role
) -> None:
    # Given
    token = keys.sign(subject="alice", groups=groups)

    # When
    principal = authenticator.authenticate(token)

    # Then
    assert principal.subject == "alice"
    assert principal.role is role


def test_given_key_file_when_created_then_private_to_its_owner(keys: DevTokenKeys, tmp_path: Path) -> None:
    keys.sign(subject="alice", groups=[])
    assert (tmp_path / "auth" / "key.pem").stat().st_mode & 0o077 == 0


def test_given_expired_token_within_leeway_when_authenticated_then_accepted(
    keys: DevTokenKeys, authenticator: Authenticator
) -> None:
    now = int(time.time())
    token = keys.sign_claims(user_claims(iat=now - 700, exp=now - 10))
    assert authenticator.authenticate(token).role is Role.TRADER


def _unsigned(header: dict[str, object], claims: dict[str, object]) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part(header)}.{part(claims)}."


def _hs256_with_public_key(keys: DevTokenKeys) -> str:
    # The classic key-confusion forgery: HMAC-sign with the verifier's public key as the secret.
    from cryptography.hazmat.primitives import serialization

    public_pem = keys.key_for(DEV_KEY_ID).public_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "kid": DEV_KEY_ID, "typ": "JWT"}
    signing_input = _unsigned(header, user_claims(**{"cognito:groups": ["admin"]}))[:-1]
    import hashlib
    import hmac

    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).decode().rstrip('=')}"


@pytest.mark.parametrize(
    "forge",
    [
        pytest.param(lambda keys: "not-a-jwt", id="garbage"),
        pytest.param(lambda keys: "", id="empty"),
        pytest.param(
            lambda keys: _unsigned({"alg": "none", "kid": DEV_KEY_ID}, user_claims()), id="alg-none"
        ),
        pytest.param(_hs256_with_public_key, id="hs256-with-public-key"),
        pytest.param(lambda keys: keys.sign_claims(user_claims(exp=int(time.time()) - 120)), id="expired"),
        pytest.param(
            lambda keys: keys.sign_claims(user_claims(iss="https://evil.example")), id="wrong-issuer"
        ),
        pytest.param(lambda keys: keys.sign_claims(user_claims(client_id="other-client")), id="wrong-client"),
        pytest.param(lambda keys: keys.sign_claims(user_claims(token_use="refresh")), id="wrong-token-use"),
        pytest.param(lambda keys: keys.sign_claims(user_claims(exp=None)), id="no-expiry"),
        pytest.param(lambda keys: keys.sign_claims(user_claims())[:-4] + "AAAA", id="tampered-signature"),
        pytest.param(
            lambda keys: jwt.encode(
                user_claims(), keys._private(), algorithm="RS256", headers={"kid": "other"}
            ),  # type: ignore[arg-type]
            id="unknown-kid",
        ),
    ],
)
def test_given_bad_token_when_authenticated_then_not_authenticated(
    keys: DevTokenKeys, authenticator: Authenticator, forge: object
) -> None:
    token = forge(keys)  # type: ignore[operator]
    with pytest.raises(NotAuthenticated):
        authenticator.authenticate(token)


def test_given_id_token_for_our_client_when_authenticated_then_accepted(
    keys: DevTokenKeys, authenticator: Authenticator
) -> None:
    token = keys.sign_claims(user_claims(token_use="id", client_id=None, aud=DEV_CLIENT_ID))
    assert authenticator.authenticate(token).subject == "alice"


def test_given_machine_token_with_api_scope_when_authenticated_then_trader(
    keys: DevTokenKeys, authenticator: Authenticator
) -> None:
    token = keys.sign_claims(
        user_claims(sub=DEV_CLIENT_ID, username=None, scope="tradai/api", **{"cognito:groups": None})
    )
    principal = authenticator.authenticate(token)
    assert principal.role is Role.TRADER
    assert principal.subject == DEV_CLIENT_ID


def test_given_machine_token_without_api_scope_when_authenticated_then_forbidden(
    keys: DevTokenKeys, authenticator: Authenticator
) -> None:
    token = keys.sign_claims(user_claims(sub=DEV_CLIENT_ID, username=None, scope="other/x"))
    with pytest.raises(Forbidden):
        authenticator.authenticate(token)
