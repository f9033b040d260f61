"""Lambda for `POST /api/v1/ws/ticket`."""

from tradai.api.routers import ws
from tradai.lambda_runtime import http_handler

lambda_handler = http_handler([ws.router])
