"""Push a job's change to the WebSocket connections watching it (the AWS stream pusher's use case)."""

from __future__ import annotations

import logging

from tradai.domain.errors import ConnectionGone
from tradai.domain.jobs import BacktestJob
from tradai.ports import ConnectionSender
from tradai.services.job_messages import job_update_message
from tradai.services.ws_connections import ConnectionRegistry

log = logging.getLogger(__name__)


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
        if job.status.is_terminal:
            sender.close(connection.connection_id)
            connections.close(connection.connection_id)
    return delivered
