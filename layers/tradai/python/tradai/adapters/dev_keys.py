"""A local RSA key for `TRADAI_AUTH=dev`: sign tokens with `tradai auth token`, verify them in the API.

Tokens look like Cognito access tokens (RS256, `token_use`, `client_id`, `cognito:groups`) and go
through the same verification code, so auth can be tried end to end without AWS.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

from tradai.domain.errors import NotAuthenticated

DEV_ISSUER = "tradai-dev"
DEV_CLIENT_ID = "tradai-dev-client"
DEV_KEY_ID = "tradai-dev-key"


class DevTokenKeys:
    """The key pair in one PEM file, created (mode 0600) on first use."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._private_key: object | None = None

    def _private(self) -> object:
        if self._private_key is None:
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric import rsa

            if not self._path.exists():
                self._path.parent.mkdir(parents=True, exist_ok=True)
                key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
                pem = key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
                descriptor = os.open(self._path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(descriptor, "wb") as handle:
                    handle.write(pem)
            self._private_key = serialization.load_pem_private_key(self._path.read_bytes(), password=None)
        return self._private_key

    def key_for(self, kid: str | None) -> object:
        if kid != DEV_KEY_ID:
            raise NotAuthenticated("token is signed by an unknown key")
        return self._private().public_key()  # type: ignore[attr-defined]

    def sign(
        self, *, subject: str, groups: list[str], ttl_seconds: int = 3600, now: float | None = None
    ) -> str:
        """Return a dev access token for `subject` in `groups`."""
        issued = int(now if now is not None else time.time())
        claims = {
            "sub": subject,
            "username": subject,
            "iss": DEV_ISSUER,
            "client_id": DEV_CLIENT_ID,
            "token_use": "access",
            "scope": "tradai/api",
            "cognito:groups": groups,
            "iat": issued,
            "exp": issued + ttl_seconds,
            "jti": str(uuid.uuid4()),
        }
        return self.sign_claims(claims)

    def sign_claims(self, claims: dict[str, object]) -> str:
        """Return a token with exactly these claims, signed RS256 with the dev key."""
        import jwt

        return jwt.encode(claims, self._private(), algorithm="RS256", headers={"kid": DEV_KEY_ID})  # type: ignore[arg-type]
