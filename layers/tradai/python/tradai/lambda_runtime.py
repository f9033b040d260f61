"""What every HTTP Lambda handler shares: the ASGI adapter inside the Powertools instruments.

Each `functions/<group>/handler.py` is then one call: `lambda_handler = http_handler([router])`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from fastapi import APIRouter
from mangum import Mangum

from tradai.api.app import create_app
from tradai.lambda_events import LambdaHandler, instrumented
from tradai.settings import get_settings


def http_handler(routers: Sequence[APIRouter]) -> LambdaHandler:
    """Build the Lambda handler serving `routers` through API Gateway (HTTP API, payload v2)."""
    app = create_app(routers=routers, settings=get_settings())
    asgi = Mangum(app, lifespan="off")

    def serve(event: dict[str, Any], context: Any) -> dict[str, Any]:
        response: dict[str, Any] = asgi(event, context)
        return response

    return instrumented(
        serve,
        correlation_id_path=correlation_paths.API_GATEWAY_HTTP,
        prime=app.state.container_provider,
    )
