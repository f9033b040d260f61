"""Lambda for `/api/v1/strategies` routes: list, detail, metrics, status, A/B tests (registering is
`engine_routes`)."""

from tradai.api.routers import ab_tests, strategies
from tradai.lambda_runtime import http_handler

lambda_handler = http_handler([strategies.router, ab_tests.router])
