"""Lambda for `/api/v1/catalog/*`: ranked strategies, compare, leaderboard, performance (a strategy's
detail is `engine_routes`)."""

from tradai.api.routers import catalog
from tradai.lambda_runtime import http_handler

lambda_handler = http_handler([catalog.router])
