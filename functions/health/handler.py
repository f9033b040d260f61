"""Lambda for `GET /api/v1/health`."""

from tradai.api.routers import health
from tradai.lambda_runtime import http_handler

lambda_handler = http_handler([health.router])
