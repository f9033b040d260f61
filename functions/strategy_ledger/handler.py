"""Lambda for `GET /api/v1/strategies/pnl` and `GET /api/v1/strategies/{id}/trades`."""

from tradai.api.routers import strategy_ledger
from tradai.lambda_runtime import http_handler

lambda_handler = http_handler([strategy_ledger.router])
