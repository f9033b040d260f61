"""Lambda for `/api/v1/strategies` routes: list, register, detail, metrics, status."""

from tradai.api.routers import strategies
from tradai.lambda_runtime import http_handler

lambda_handler = http_handler([strategies.router])
