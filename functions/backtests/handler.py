"""Lambda for `/api/v1/backtests` routes: jobs and their results (submitting is `engine_routes`)."""

from tradai.api.routers import backtest_results, backtests
from tradai.lambda_runtime import http_handler

lambda_handler = http_handler([backtests.router, backtest_results.router])
