"""Where a live broker's exchange API keys come from: settings, else (AWS) a Secrets Manager secret.

The secret holds a JSON map `{"<exchange>": {"apiKey": "...", "secret": "..."}}` (the persistent
stack's `exchange-keys` secret, filled by operators).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tradai.domain.instances import ExchangeKeysMissing
from tradai.settings import Settings


def exchange_keys(settings: Settings, exchange: str, *, secrets: Callable[[], Any]) -> tuple[str, str]:
    """The (API key, secret) to trade on `exchange`.

    Args:
        secrets: builds a Secrets Manager client (called only when the settings hold no keys).

    Raises:
        ExchangeKeysMissing: neither the settings nor the secret hold keys for `exchange`.
    """
    if settings.exchange_api_key and settings.exchange_api_secret:
        key, secret = (
            settings.exchange_api_key.get_secret_value(),
            settings.exchange_api_secret.get_secret_value(),
        )
        if key and secret:
            return key, secret
    if settings.exchange_keys_secret:
        value = secrets().get_secret_value(SecretId=settings.exchange_keys_secret).get("SecretString") or "{}"
        entry = json.loads(value).get(exchange) or {}
        if entry.get("apiKey") and entry.get("secret"):
            return str(entry["apiKey"]), str(entry["secret"])
    raise ExchangeKeysMissing(
        f"no API keys for {exchange}: set TRADAI_EXCHANGE_API_KEY/_SECRET or the secret"
    )
