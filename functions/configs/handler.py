"""Lambda for `/api/v1/configs/*` routes: config versions, activate, deprecate (creating one is
`engine_routes`)."""

from tradai.api.routers import configs
from tradai.lambda_runtime import http_handler

lambda_handler = http_handler([configs.router])
