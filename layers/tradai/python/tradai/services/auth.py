"""Verify Cognito-style access tokens and turn their claims into a `Principal`.

RS256 only: a token with `alg: none` or an HMAC algorithm is refused before any key is looked up,
so a public key can never be used as an HMAC secret.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any

from tradai.domain.errors import Forbidden, NotAuthenticated
from tradai.domain.identity import Principal, Role
from tradai.ports import TokenKeys

log = logging.getLogger(__name__)

API_SCOPE = "tradai/api"
ADMIN_SCOPE = "tradai/admin"
_NOT_AUTHENTICATED = "Not authenticated"


class Authenticator:
    """Checks bearer tokens against one issuer and a set of app clients."""

    def __init__(
        self, *, keys: TokenKeys, issuer: str, client_ids: Collection[str], leeway_seconds: int = 30
    ) -> None:
        self._keys = keys
        self._issuer = issuer
        self._client_ids = frozenset(client_ids)
        self._leeway = leeway_seconds

    def authenticate(self, token: str) -> Principal:
        """Return the caller a token stands for.

        Raises:
            NotAuthenticated: the token is malformed, forged, expired, or for another pool/client.
            Forbidden: a machine token without the `tradai/api` scope.
        """
        claims = self._verified_claims(token)
        token_use = claims.get("token_use")
        client_id = claims.get("client_id") if token_use == "access" else claims.get("aud")  # noqa: S105
        if token_use not in ("access", "id") or client_id not in self._client_ids:
            log.info("token refused: token_use=%s client=%s", token_use, client_id)
            raise NotAuthenticated(_NOT_AUTHENTICATED)
        scopes = frozenset(str(claims.get("scope", "")).split())
        groups = tuple(str(group) for group in claims.get("cognito:groups", []))
        if _is_machine(claims, client_id):
            if API_SCOPE not in scopes:
                raise Forbidden(f"machine tokens need the {API_SCOPE} scope")
            machine_role = Role.ADMIN if ADMIN_SCOPE in scopes else Role.TRADER
            return Principal(
                subject=str(client_id), role=machine_role, client_id=str(client_id), scopes=scopes
            )
        roles = [role for group in groups if (role := Role.from_group(group)) is not None]
        return Principal(
            subject=str(claims["sub"]),
            role=max(roles, default=Role.VIEWER),
            groups=groups,
            client_id=str(client_id),
            scopes=scopes,
        )

    def _verified_claims(self, token: str) -> dict[str, Any]:
        import jwt

        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise NotAuthenticated(_NOT_AUTHENTICATED) from exc
        if header.get("alg") != "RS256":
            log.info("token refused: algorithm %s", header.get("alg"))
            raise NotAuthenticated(_NOT_AUTHENTICATED)
        key = self._keys.key_for(header.get("kid"))
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,  # type: ignore[arg-type]
                algorithms=["RS256"],
                issuer=self._issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iat", "iss", "sub", "token_use"], "verify_aud": False},
            )
        except jwt.PyJWTError as exc:
            log.info("token refused: %s", exc)
            raise NotAuthenticated(_NOT_AUTHENTICATED) from exc
        return claims


def _is_machine(claims: dict[str, Any], client_id: object) -> bool:
    # Client-credentials tokens name the app client as their subject and carry no user name.
    return claims.get("token_use") == "access" and claims.get("sub") == client_id and "username" not in claims
