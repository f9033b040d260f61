"""What every non-HTTP Lambda handler shares: logging with the Lambda context, partial batch failures.

Kept apart from `lambda_runtime` so WebSocket and stream handlers never import FastAPI.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.logging import correlation_paths

from tradai.observability import configure_logging
from tradai.settings import get_settings

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]


def event_handler(handle: Callable[[dict[str, Any]], dict[str, Any]]) -> LambdaHandler:
    """Wrap a plain event function (authorizers, WebSocket routes) with the shared logging."""
    logger = configure_logging(get_settings().log_level)

    @logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
    def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        return handle(event)

    decorated: LambdaHandler = lambda_handler
    return decorated


def stream_handler(handle_record: Callable[[dict[str, Any]], None]) -> LambdaHandler:
    """Wrap a per-record function for a DynamoDB stream: only failed records are reported for retry."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
    from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

    logger = configure_logging(get_settings().log_level)
    processor = BatchProcessor(event_type=EventType.DynamoDBStreams)

    def record_handler(record: DynamoDBRecord) -> None:
        handle_record(record.raw_event)

    @logger.inject_lambda_context
    def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        response = process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
        return dict(response)

    decorated: LambdaHandler = lambda_handler
    return decorated
