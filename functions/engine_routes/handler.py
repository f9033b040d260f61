"""Lambda for the HTTP routes that resolve a strategy through the engine's catalog (worker image):
`POST /api/v1/backtests`, `POST /api/v1/strategies`, `POST /api/v1/configs` and
`GET /api/v1/catalog/strategies/{name}`."""

from tradai.api.routers import backtest_submission, catalog_detail, config_creation, strategy_registration
from tradai.lambda_runtime import http_handler

lambda_handler = http_handler(
    [backtest_submission.router, strategy_registration.router, config_creation.router, catalog_detail.router]
)
