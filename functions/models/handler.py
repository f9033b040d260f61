"""Lambda for the registry routes: `/api/v1/models/*` and `/api/v1/strategies/{name}/stage|promote`."""

from tradai.api.routers import models, promotions
from tradai.lambda_runtime import http_handler

lambda_handler = http_handler([models.router, promotions.router])
