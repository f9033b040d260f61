"""Push jobs to the WebSocket connections watching them (the AWS stream pusher's use cases).

Two moments, as on the local server: a new watcher gets its job's current state at once (closed
after it when the job has already finished), and every job change goes to all its watchers.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from tradai.domain.errors import ConnectionGone, NotFound
from tradai.domain.jobs import BacktestJob
from tradai.ports import ConnectionSender
from tradai.services.job_messages import job_update_message
from tradai.services.job_repository import JobRepository
from tradai.services.ws_connections import Connection, ConnectionRegistry

log = logging.getLogger(__name__)

GREETING_RETRY_DELAYS = (0.1, 0.3, 0.6, 1.0)
"""Seconds between posts of a greeting refused as gone. The stream can bring a new connection's item
before API Gateway has finished the handshake `$connect` allowed, and until then a post is refused
like one to a closed connection; two seconds cover that, and a client that really left costs no more."""


def push_job_change(*, job: BacktestJob, connections: ConnectionRegistry, sender: ConnectionSender) -> int:
    """Send `job`'s state to each watcher; forget gone ones; close all once the job has finished.

    Returns:
        How many connections received the message.
    """
    message = job_update_message(job)
    delivered = 0
    for connection in connections.for_job(job.job_id):
        try:
            sender.send(connection.connection_id, message)
        except ConnectionGone:
            log.info("connection %s is gone; forgetting it", connection.connection_id)
            connections.close(connection.connection_id)
            continue
        delivered += 1
        _close_if_finished(job, connection, connections=connections, sender=sender)
    return delivered


def greet_watcher(
    *,
    connection: Connection,
    jobs: JobRepository,
    connections: ConnectionRegistry,
    sender: ConnectionSender,
    wait: Callable[[float], None] = time.sleep,
) -> bool:
    """Send a new watcher its job's current state, as the local server does on connect.

    A job that has already finished sends its final message and closes the connection, so a client
    that subscribes late never waits for a change that will not come.

    Returns:
        Whether the watcher received the state (False: it left, or its job no longer exists).
    """
    try:
        job = jobs.get(connection.job_id)
    except NotFound:
        log.info("job %s of connection %s is gone; closing it", connection.job_id, connection.connection_id)
        sender.close(connection.connection_id)
        connections.close(connection.connection_id)
        return False
    if not _send_patiently(connection.connection_id, job_update_message(job), sender=sender, wait=wait):
        log.info("connection %s left before its greeting; forgetting it", connection.connection_id)
        connections.close(connection.connection_id)
        return False
    _close_if_finished(job, connection, connections=connections, sender=sender)
    return True


def _send_patiently(
    connection_id: str, message: dict[str, Any], *, sender: ConnectionSender, wait: Callable[[float], None]
) -> bool:
    delays = iter(GREETING_RETRY_DELAYS)
    while True:
        try:
            sender.send(connection_id, message)
            return True
        except ConnectionGone:
            delay = next(delays, None)
            if delay is None:
                return False
            wait(delay)


def _close_if_finished(
    job: BacktestJob, connection: Connection, *, connections: ConnectionRegistry, sender: ConnectionSender
) -> None:
    if job.status.is_terminal:
        sender.close(connection.connection_id)
        connections.close(connection.connection_id)
