"""Lambda for `/api/v1/budget/*`: the budget registry, per-strategy caps, realized P&L."""

from tradai.api.routers import budget
from tradai.lambda_runtime import http_handler

lambda_handler = http_handler([budget.router])
