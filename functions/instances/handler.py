"""Lambda for strategy instances: run, list, stop, pause, resume, logs, and `/api/v1/trading/status`."""

from tradai.api.routers import instances
from tradai.lambda_runtime import http_handler

lambda_handler = http_handler([instances.router])
