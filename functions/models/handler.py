"""Lambda for the registry routes: `/api/v1/models/*`, `/api/v1/mlflow/models/{name}` and
`/api/v1/strategies/{name}/stage|promote`."""

from tradai.api.routers import models, promotions
from tradai.lambda_runtime import http_handler

lambda_handler = http_handler([models.router, models.mlflow_router, promotions.router])
