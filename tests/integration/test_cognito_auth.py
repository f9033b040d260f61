"""Real Cognito-shaped tokens: a user pool on moto's server issues them, its JWKS verifies them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import boto3
import pytest
from moto.server import ThreadedMotoServer

from tradai.bootstrap import build_authenticator
from tradai.domain.errors import NotAuthenticated
from tradai.domain.identity import Role
from tradai.settings import Settings

REGION = "eu-central-1"
PASSWORD = "Correct-Horse-9-battery"


@dataclass
class Pool:
    endpoint: str
    pool_id: str
    client_id: str
    client: object

    def access_token(self, username: str) -> str:
        result = self.client.admin_initiate_auth(  # type: ignore[attr-defined]
            UserPoolId=self.pool_id,
            ClientId=self.client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
        )
        return str(result["AuthenticationResult"]["AccessToken"])


@pytest.fixture(scope="module")
def pool() -> Iterator[Pool]:
    server = ThreadedMotoServer(port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    cognito = boto3.client("cognito-idp", region_name=REGION, endpoint_url=endpoint)
    pool_id = cognito.create_user_pool(PoolName="tradai-test")["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id, ClientName="spa", ExplicitAuthFlows=["ADMIN_USER_PASSWORD_AUTH"]
    )["UserPoolClient"]["ClientId"]
    for group in ("viewer", "trader", "admin"):
        cognito.create_group(GroupName=group, UserPoolId=pool_id)
    for username, group in (("vera", "viewer"), ("tom", "trader"), ("ada", "admin")):
        cognito.admin_create_user(UserPoolId=pool_id, Username=username, MessageAction="SUPPRESS")
        cognito.admin_set_user_password(
            UserPoolId=pool_id, Username=username, Password=PASSWORD, Permanent=True
        )
        cognito.admin_add_user_to_group(UserPoolId=pool_id, Username=username, GroupName=group)
    yield Pool(endpoint, pool_id, client_id, cognito)
    server.stop()


def settings_for(pool: Pool, client_ids: list[str]) -> Settings:
    return Settings(
        cognito_user_pool_id=pool.pool_id,
        cognito_client_ids=client_ids,
        cognito_region=REGION,
        cognito_jwks_url=f"{pool.endpoint}/{pool.pool_id}/.well-known/jwks.json",
    )


@pytest.mark.parametrize(
    ("username", "role"), [("vera", Role.VIEWER), ("tom", Role.TRADER), ("ada", Role.ADMIN)]
)
def test_given_cognito_user_token_when_verified_through_jwks_then_group_role(
    pool: Pool, username: str, role: Role
) -> None:
    # Given a pool configured the way seed 002 does it (a pool id turns Cognito auth on)
    settings = settings_for(pool, [pool.client_id])
    assert settings.auth_mode == "cognito"
    authenticator = build_authenticator(settings)
    assert authenticator is not None

    # When
    principal = authenticator.authenticate(pool.access_token(username))

    # Then
    assert principal.role is role
    assert principal.client_id == pool.client_id


def test_given_token_of_another_client_when_verified_then_refused(pool: Pool) -> None:
    authenticator = build_authenticator(settings_for(pool, ["some-other-client"]))
    assert authenticator is not None
    with pytest.raises(NotAuthenticated):
        authenticator.authenticate(pool.access_token("ada"))
