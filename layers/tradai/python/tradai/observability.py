"""JSON logs with the request's correlation id, the same shape locally and in Lambda.

Every module logs through ``logging.getLogger(__name__)``; records propagate to the ``tradai``
logger, which Powertools' Logger formats as JSON. The correlation id lives in a context variable
(set per request by the API middleware), so concurrent requests in one server never mix ids.
"""

from __future__ import annotations

import contextvars
import logging
import sys

from aws_lambda_powertools import Logger

SERVICE = "tradai"

correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("correlation_id", default=None)


class _CorrelationIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        current = correlation_id.get()
        if current is not None:  # keep a correlation id Powertools set from the Lambda event
            record.correlation_id = current
        return True


_logger: Logger | None = None


def configure_logging(level: str = "INFO") -> Logger:
    """Set up the ``tradai`` logger once per process (JSON on stderr) and return it.

    Lambda handlers use the returned Powertools Logger for `inject_lambda_context`.
    """
    global _logger
    if _logger is None:
        handler = logging.StreamHandler(sys.stderr)
        handler.addFilter(_CorrelationIdFilter())
        _logger = Logger(service=SERVICE, level=level, logger_handler=handler, use_rfc3339=True)
    else:
        _logger.setLevel(level)
    return _logger
