"""Pushing job changes to WebSocket watchers: gone clients are forgotten, finished jobs close sockets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tradai.bootstrap import Container
from tradai.domain.clock import utc_now
from tradai.domain.errors import ConnectionGone
from tradai.domain.jobs import BacktestJob, JobStatus, TooManyConnections
from tradai.services.job_push import push_job_change
from tradai.services.ws_connections import ConnectionRegistry


class FakeSender:
    def __init__(self, gone: set[str] | None = None) -> None:
        self.gone = gone or set()
        self.sent: dict[str, list[dict[str, Any]]] = {}
        self.closed: list[str] = []

    def send(self, connection_id: str, message: dict[str, Any]) -> None:
        if connection_id in self.gone:
            raise ConnectionGone(connection_id)
        self.sent.setdefault(connection_id, []).append(message)

    def close(self, connection_id: str) -> None:
        self.closed.append(connection_id)


@pytest.fixture
def registry(container: Container) -> ConnectionRegistry:
    return ConnectionRegistry(container.store, limit=3)


def test_given_a_gone_watcher_when_pushed_then_others_get_it_and_the_gone_one_is_forgotten(
    registry: ConnectionRegistry, stored_job: Callable[..., BacktestJob]
) -> None:
    # Given
    job = stored_job(JobStatus.RUNNING)
    for connection_id in ("live", "gone"):
        registry.open(connection_id=connection_id, job_id=job.job_id, subject="alice", now=utc_now())
    sender = FakeSender(gone={"gone"})

    # When
    delivered = push_job_change(job=job, connections=registry, sender=sender)

    # Then
    assert delivered == 1
    assert sender.sent["live"][0]["status"] == "RUNNING"
    assert [c.connection_id for c in registry.for_job(job.job_id)] == ["live"]
    assert sender.closed == []


def test_given_finished_job_when_pushed_then_final_message_then_closed(
    registry: ConnectionRegistry, stored_job: Callable[..., BacktestJob]
) -> None:
    job = stored_job(JobStatus.COMPLETED)
    registry.open(connection_id="c1", job_id=job.job_id, subject="alice", now=utc_now())
    sender = FakeSender()
    push_job_change(job=job, connections=registry, sender=sender)
    assert sender.sent["c1"][-1]["status"] == "COMPLETED"
    assert sender.closed == ["c1"]
    assert registry.for_job(job.job_id) == []


def test_given_full_job_when_connecting_then_refused_and_a_freed_slot_is_reused(
    registry: ConnectionRegistry, stored_job: Callable[..., BacktestJob]
) -> None:
    job = stored_job(JobStatus.RUNNING)
    for i in range(3):
        registry.open(connection_id=f"c{i}", job_id=job.job_id, subject="alice", now=utc_now())
    with pytest.raises(TooManyConnections):
        registry.open(connection_id="c3", job_id=job.job_id, subject="alice", now=utc_now())
    registry.close("c1")
    assert registry.open(connection_id="c3", job_id=job.job_id, subject="alice", now=utc_now()).slot == 1
    registry.close("never-opened")
