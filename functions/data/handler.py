"""Lambda for `/api/v1/data/*`: symbols, freshness and sync."""

from tradai.api.routers import data
from tradai.lambda_runtime import http_handler

lambda_handler = http_handler([data.router])
