"""What every Lambda handler shares: Powertools Logger, Tracer and Metrics; partial batch failures.

Kept apart from `lambda_runtime` so WebSocket, stream and state machine handlers never import
FastAPI. The Tracer is built on the first invocation, not at import: the X-Ray SDK loads botocore,
which would double an HTTP handler's cold import (`benchmarks/cold_import.py`), while the first
request builds a boto3 client anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.logging import correlation_paths

from tradai.observability import SERVICE, configure_logging
from tradai.settings import get_settings
from tradai.snapstart import before_snapshot

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

LambdaHandler = Callable[[dict[str, Any], Any], dict[str, Any]]

METRICS_NAMESPACE = "TradAI"

logger = logging.getLogger(__name__)


def metrics() -> Metrics:
    """The process's metrics (Powertools shares one metric set per namespace across instances)."""
    return Metrics(namespace=METRICS_NAMESPACE, service=SERVICE)


@cache
def tracer() -> Tracer:
    """The process's X-Ray tracer, AWS SDK calls recorded as subsegments (off outside Lambda)."""
    from aws_lambda_powertools import Tracer

    return Tracer(service=SERVICE, patch_modules=("botocore",))


def instrumented(
    handler: LambdaHandler,
    *,
    correlation_id_path: str | None,
    prime: Callable[[], object] | None = None,
) -> LambdaHandler:
    """`handler` with the request's correlation id in logs, an X-Ray segment, and metrics flushed.

    Args:
        handler: the plain (event, context) function.
        correlation_id_path: where in the event the correlation id is (a JMESPath), if anywhere.
        prime: what else the first event would build (e.g. the container), built before a SnapStart
            snapshot together with the tracer and the AWS clients (tradai.snapstart).
    """
    settings = get_settings()
    powertools_logger = configure_logging(settings.log_level)
    before_snapshot(settings, lambda: _prime(prime))
    traced: list[LambdaHandler] = []

    @powertools_logger.inject_lambda_context(correlation_id_path=correlation_id_path)
    @metrics().log_metrics(capture_cold_start_metric=True)
    def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        if not traced:  # first invocation: the tracer loads the X-Ray SDK now, not at import
            traced.append(tracer().capture_lambda_handler(handler, capture_response=False))
        return traced[0](event, context)

    decorated: LambdaHandler = lambda_handler
    return decorated


def _prime(prime: Callable[[], object] | None) -> None:
    from tradai.adapters.aws_clients import prime_clients

    tracer()
    if prime is not None:
        prime()
    primed = prime_clients()
    logger.info("Primed for the SnapStart snapshot", extra={"aws_clients": primed})


def event_handler(
    handle: Callable[[dict[str, Any]], dict[str, Any]],
    *,
    correlation_id_path: str = correlation_paths.API_GATEWAY_REST,
    prime: Callable[[], object] | None = None,
) -> LambdaHandler:
    """Wrap a plain event function (authorizers, WebSocket routes, EventBridge events); `prime` as in
    `instrumented`."""
    return instrumented(
        lambda event, context: handle(event), correlation_id_path=correlation_id_path, prime=prime
    )


def step_handler(
    handle: Callable[[dict[str, Any]], dict[str, Any]], *, prime: Callable[[], object] | None = None
) -> LambdaHandler:
    """Wrap a state machine step (input `{"job_id", ...}`): the job id is the logs' correlation id."""
    return instrumented(lambda event, context: handle(event), correlation_id_path="job_id", prime=prime)


def stream_handler(
    handle_record: Callable[[dict[str, Any]], None], *, prime: Callable[[], object] | None = None
) -> LambdaHandler:
    """Wrap a per-record function for a DynamoDB stream: only failed records are reported for retry."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
    from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord

    processor = BatchProcessor(event_type=EventType.DynamoDBStreams)

    def record_handler(record: DynamoDBRecord) -> None:
        handle_record(record.raw_event)

    def handle_batch(event: dict[str, Any], context: Any) -> dict[str, Any]:
        response = process_partial_response(
            event=event, record_handler=record_handler, processor=processor, context=context
        )
        return dict(response)

    return instrumented(handle_batch, correlation_id_path=None, prime=prime)
