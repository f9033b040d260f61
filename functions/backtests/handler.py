"""Lambda for `/api/v1/backtests` routes."""

from tradai.api.routers import backtests
from tradai.lambda_runtime import http_handler

lambda_handler = http_handler([backtests.router])
