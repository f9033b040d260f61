"""Lambda for `/api/v1/trading/*` reads: orders, fills, positions, balances, counts, audit."""

from tradai.api.routers import trading
from tradai.lambda_runtime import http_handler

lambda_handler = http_handler([trading.router])
