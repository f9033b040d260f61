"""The local runtime's job event bus: job changes fan out to WebSocket subscribers in this process.

Publishers may be any thread (the executor's listener thread forwards what worker processes
send); subscribers are asyncio tasks. Each subscriber has its own bounded queue, so one slow
browser never blocks the others; when a queue is full the oldest progress message is dropped
(the next one carries the newer state anyway).
"""

from __future__ import annotations

import asyncio
import threading
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from tradai.domain.jobs import MAX_WATCHERS_PER_JOB, TooManyConnections

_QUEUE_SIZE = 256


class LocalJobBus:
    """Fan-out of job events (plain JSON-like dicts) by job id."""

    def __init__(self, *, max_subscribers_per_job: int = MAX_WATCHERS_PER_JOB) -> None:
        self._max = max_subscribers_per_job
        self._lock = threading.Lock()
        self._subscribers: dict[
            str, list[tuple[asyncio.AbstractEventLoop, asyncio.Queue[dict[str, Any]]]]
        ] = defaultdict(list)

    def publish(self, job_id: str, event: dict[str, Any]) -> None:
        """Deliver `event` to every subscriber of `job_id`; safe to call from any thread."""
        with self._lock:
            targets = list(self._subscribers.get(job_id, ()))
        for loop, queue in targets:
            loop.call_soon_threadsafe(_offer, queue, event)

    def subscriber_count(self, job_id: str) -> int:
        """How many subscribers `job_id` has now."""
        with self._lock:
            return len(self._subscribers.get(job_id, ()))

    @asynccontextmanager
    async def subscribe(self, job_id: str) -> AsyncIterator[asyncio.Queue[dict[str, Any]]]:
        """Receive the events of `job_id` on a queue while the context is open.

        Raises:
            TooManyConnections: the job already has the maximum number of subscribers.
        """
        entry = (asyncio.get_running_loop(), asyncio.Queue[dict[str, Any]](maxsize=_QUEUE_SIZE))
        with self._lock:
            if len(self._subscribers[job_id]) >= self._max:
                raise TooManyConnections(f"job {job_id} already has {self._max} live connections")
            self._subscribers[job_id].append(entry)
        try:
            yield entry[1]
        finally:
            with self._lock:
                self._subscribers[job_id].remove(entry)
                if not self._subscribers[job_id]:
                    del self._subscribers[job_id]


def _offer(queue: asyncio.Queue[dict[str, Any]], event: dict[str, Any]) -> None:
    if queue.full():
        queue.get_nowait()
    queue.put_nowait(event)
