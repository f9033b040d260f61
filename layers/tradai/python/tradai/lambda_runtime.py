"""What every HTTP Lambda handler shares: the ASGI adapter and the Powertools decorators.

Each `functions/<group>/handler.py` is then one call: `lambda_handler = http_handler([router])`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.logging import correlation_paths
from fastapi import APIRouter
from mangum import Mangum

from tradai.api.app import create_app
from tradai.lambda_events import LambdaHandler
from tradai.observability import configure_logging
from tradai.settings import get_settings

METRICS_NAMESPACE = "TradAI"


def http_handler(routers: Sequence[APIRouter]) -> LambdaHandler:
    """Build the Lambda handler serving `routers` through API Gateway (HTTP API, payload v2)."""
    settings = get_settings()
    logger = configure_logging(settings.log_level)
    metrics = Metrics(namespace=METRICS_NAMESPACE, service="tradai")
    asgi = Mangum(create_app(routers=routers, settings=settings), lifespan="off")

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
    @metrics.log_metrics(capture_cold_start_metric=True)
    def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        response: dict[str, Any] = asgi(event, context)
        return response

    decorated: LambdaHandler = lambda_handler
    return decorated
