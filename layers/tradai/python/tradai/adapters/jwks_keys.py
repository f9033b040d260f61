"""TokenKeys from a Cognito user pool's JWKS, fetched once and cached (PyJWT's PyJWKClient)."""

from __future__ import annotations

from tradai.domain.errors import NotAuthenticated, Unavailable


class JwksTokenKeys:
    """Signing keys published at a JWKS address, refreshed when an unknown `kid` shows up."""

    def __init__(self, url: str, *, cache_seconds: int = 3600, timeout_seconds: float = 3.0) -> None:
        from jwt import PyJWKClient

        self._client = PyJWKClient(url, cache_keys=True, lifespan=cache_seconds, timeout=timeout_seconds)

    def key_for(self, kid: str | None) -> object:
        from jwt import PyJWKClientConnectionError, PyJWKClientError

        if not kid:
            raise NotAuthenticated("token has no key id")
        try:
            return self._client.get_signing_key(kid).key
        except PyJWKClientConnectionError as exc:
            raise Unavailable("the token signing keys cannot be fetched", retry_after_seconds=5) from exc
        except PyJWKClientError as exc:
            raise NotAuthenticated("token is signed by an unknown key") from exc
