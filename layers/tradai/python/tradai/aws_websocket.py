"""The AWS runtime's WebSocket side: `$connect` authorizer, `$connect`, `$disconnect`, and the stream pusher.

The same protocol as the local `WS /ws/backtests/{job_id}`: a single-use ticket, at most ten
connections per job, the job's current state on connect, every job change pushed, the connection
closed once the job has finished.
Handlers in `functions/` are one line each around these functions.
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from tradai.bootstrap import Container, build_connection_sender, build_container
from tradai.domain.clock import utc_now
from tradai.domain.errors import TradaiError
from tradai.domain.jobs import MAX_WATCHERS_PER_JOB, BacktestJob, TooManyConnections
from tradai.ports import ConnectionSender
from tradai.services.job_push import greet_watcher, push_job_change
from tradai.services.job_repository import JobRepository
from tradai.services.ws_connections import ConnectionRegistry, connection_from_record
from tradai.services.ws_tickets import consume_ticket
from tradai.settings import get_settings
from tradai.table_design import CONNECTION_PREFIX, JOB_PREFIX, PARTITION_KEY

log = logging.getLogger(__name__)


@cache
def _container() -> Container:
    return build_container(get_settings())


@cache
def _sender() -> ConnectionSender:
    return build_connection_sender(get_settings())


def prime() -> None:
    """Build what the WebSocket functions' first event would (for a SnapStart snapshot)."""
    _container()
    _sender()


def authorize(event: dict[str, Any]) -> dict[str, Any]:
    """REQUEST authorizer of `$connect`: a valid single-use ticket for an existing job with room left."""
    query = event.get("queryStringParameters") or {}
    job_id, ticket = str(query.get("job_id", "")), str(query.get("ticket", ""))
    store = _container().store
    try:
        subject = consume_ticket(store=store, ticket=ticket, job_id=job_id, now=utc_now())
        JobRepository(store).get(job_id)
        if ConnectionRegistry(store).live_count(job_id) >= MAX_WATCHERS_PER_JOB:
            raise TooManyConnections(f"job {job_id} already has {MAX_WATCHERS_PER_JOB} connections")
    except TradaiError as refused:
        log.info("WebSocket connection refused: %s", refused.detail)
        return _policy("anonymous", "Deny", event["methodArn"], {})
    return _policy(subject, "Allow", event["methodArn"], {"job_id": job_id, "subject": subject})


def connect(event: dict[str, Any]) -> dict[str, Any]:
    """`$connect`: take one of the job's connection slots (the authorizer has checked the ticket)."""
    context = event["requestContext"]
    authorizer = context.get("authorizer") or {}
    try:
        ConnectionRegistry(_container().store).open(
            connection_id=context["connectionId"],
            job_id=str(authorizer["job_id"]),
            subject=str(authorizer["subject"]),
            now=utc_now(),
        )
    except TooManyConnections as refused:
        log.info("WebSocket connection refused: %s", refused.detail)
        return {"statusCode": 429, "body": refused.detail}
    return {"statusCode": 200}


def disconnect(event: dict[str, Any]) -> dict[str, Any]:
    """`$disconnect`: free the connection's slot."""
    ConnectionRegistry(_container().store).close(event["requestContext"]["connectionId"])
    return {"statusCode": 200}


def push_stream_record(raw_record: dict[str, Any]) -> None:
    """Act on one DynamoDB stream record: a job changed, or a watcher connected (other items are skipped).

    A changed job goes to its watchers; a new connection item (`$connect` stored it, and API Gateway
    allows no post during `$connect`) gets its job's current state, as the local server sends on
    connect. Raises on a record that cannot be read, so the batch reports it as failed and retries only it.
    """
    image = raw_record.get("dynamodb", {}).get("NewImage")
    partition = (image or {}).get(PARTITION_KEY, {}).get("S", "")
    if not partition.startswith(JOB_PREFIX) and not (
        partition.startswith(CONNECTION_PREFIX) and raw_record.get("eventName") == "INSERT"
    ):
        return
    # The DynamoDB adapter loads boto3; a stream batch needs it for the connection query anyway, so
    # it is loaded here rather than at import, which keeps the WebSocket hooks' cold start light.
    from tradai.adapters.dynamo_store import record_from_item

    record = record_from_item(image)
    store, sender = _container().store, _sender()
    if partition.startswith(JOB_PREFIX):
        job = BacktestJob.model_validate(record.data)
        push_job_change(job=job, connections=ConnectionRegistry(store), sender=sender)
    else:
        greet_watcher(
            connection=connection_from_record(record),
            jobs=JobRepository(store),
            connections=ConnectionRegistry(store),
            sender=sender,
        )


def _policy(principal: str, effect: str, resource: str, context: dict[str, str]) -> dict[str, Any]:
    return {
        "principalId": principal,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": effect, "Resource": resource}],
        },
        "context": context,
    }
