"""The Cognito user pool: SPA client (PKCE), M2M client (client credentials), `tradai/api` scope, groups."""

from __future__ import annotations

from aws_cdk import aws_cognito as cognito
from constructs import Construct

from cdk.config import EnvironmentConfig
from cdk.constants import (
    ACCESS_TOKEN_VALIDITY,
    PASSWORD_MIN_LENGTH,
    RESOURCE_SERVER_IDENTIFIER,
    RESOURCE_SERVER_SCOPE,
    USER_GROUPS,
    resource_name,
)
from cdk.nag import acknowledge


class UserPool(Construct):
    """Sign-in for people (the Amplify SPA) and machines (client credentials with `tradai/api`)."""

    def __init__(self, scope: Construct, construct_id: str, *, config: EnvironmentConfig) -> None:
        super().__init__(scope, construct_id)
        self.pool = cognito.UserPool(
            self,
            "Pool",
            user_pool_name=resource_name("users", config.name),
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(email=True),
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            password_policy=cognito.PasswordPolicy(
                min_length=PASSWORD_MIN_LENGTH,
                require_digits=True,
                require_lowercase=True,
                require_uppercase=True,
                require_symbols=True,
            ),
            mfa=cognito.Mfa.REQUIRED if config.mfa_required else cognito.Mfa.OPTIONAL,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            deletion_protection=config.is_production,
            removal_policy=config.removal,
        )
        if not config.mfa_required:
            acknowledge(
                self.pool, "COG2", "MFA is optional outside prod so test users can sign in; prod requires it."
            )
        acknowledge(
            self.pool,
            "COG8",
            "The Plus plan (threat protection) is paid per user; sign-up is closed and admins create users.",
        )
        self.api_scope = cognito.ResourceServerScope(
            scope_name=RESOURCE_SERVER_SCOPE, scope_description="Call the TradAI HTTP API"
        )
        self.resource_server = self.pool.add_resource_server(
            "ResourceServer", identifier=RESOURCE_SERVER_IDENTIFIER, scopes=[self.api_scope]
        )
        self.domain = self.pool.add_domain(
            "Domain", cognito_domain=cognito.CognitoDomainOptions(domain_prefix=config.cognito_domain_prefix)
        )
        self.spa_client = self.pool.add_client(
            "SpaClient",
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_srp=True),
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(authorization_code_grant=True),
                scopes=[
                    cognito.OAuthScope.OPENID,
                    cognito.OAuthScope.EMAIL,
                    cognito.OAuthScope.PROFILE,
                    cognito.OAuthScope.resource_server(self.resource_server, self.api_scope),
                ],
                callback_urls=list(config.callback_urls),
                logout_urls=list(config.callback_urls),
            ),
            access_token_validity=ACCESS_TOKEN_VALIDITY,
            id_token_validity=ACCESS_TOKEN_VALIDITY,
            prevent_user_existence_errors=True,
        )
        self.m2m_client = self.pool.add_client(
            "M2mClient",
            generate_secret=True,
            o_auth=cognito.OAuthSettings(
                flows=cognito.OAuthFlows(client_credentials=True),
                scopes=[cognito.OAuthScope.resource_server(self.resource_server, self.api_scope)],
            ),
            access_token_validity=ACCESS_TOKEN_VALIDITY,
        )
        for group, description in USER_GROUPS.items():
            self.pool.add_group(f"Group{group.title()}", group_name=group, description=description)

    @property
    def client_ids(self) -> list[str]:
        """Both app clients: the JWT audiences the API accepts."""
        return [self.spa_client.user_pool_client_id, self.m2m_client.user_pool_client_id]

    @property
    def issuer(self) -> str:
        """The `iss` of the pool's tokens."""
        return self.pool.user_pool_provider_url
