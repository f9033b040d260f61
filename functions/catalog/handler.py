"""Lambda for `/api/v1/catalog/*`: ranked strategies, detail, compare, leaderboard, performance."""

from tradai.api.routers import catalog
from tradai.lambda_runtime import http_handler

lambda_handler = http_handler([catalog.router])
