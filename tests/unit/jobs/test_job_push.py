"""Pushing jobs to WebSocket watchers: a new watcher gets the current state, gone clients are forgotten,
finished jobs close sockets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tradai.bootstrap import Container
from tradai.domain.clock import utc_now
from tradai.domain.errors import ConnectionGone
from tradai.domain.jobs import BacktestJob, JobStatus, TooManyConnections
from tradai.services.job_push import GREETING_RETRY_DELAYS, greet_watcher, push_job_change
from tradai.services.job_repository import JobRepository
from tradai.services.ws_connections import Connection, ConnectionRegistry


class FakeSender:
    def __init__(self, gone: set[str] | None = None, *, refusals: int = 0) -> None:
        self.gone = gone or set()
        self.refusals = refusals
        """Posts refused as gone before the first one is taken (a handshake still under way)."""
        self.sent: dict[str, list[dict[str, Any]]] = {}
        self.closed: list[str] = []

    def send(self, connection_id: str, message: dict[str, Any]) -> None:
        if connection_id in self.gone:
            raise ConnectionGone(connection_id)
        if self.refusals:
            self.refusals -= 1
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


def greet(
    registry: ConnectionRegistry, repository: JobRepository, job: BacktestJob, sender: FakeSender
) -> tuple[bool, list[float]]:
    """A watcher of `job` connects and is greeted; returns the outcome and the waits it took."""
    connection = registry.open(connection_id="new", job_id=job.job_id, subject="alice", now=utc_now())
    waits: list[float] = []
    greeted = greet_watcher(
        connection=connection,
        jobs=repository,
        connections=registry,
        sender=sender,
        wait=waits.append,
    )
    return greeted, waits


def test_given_a_running_job_when_a_watcher_connects_then_it_gets_the_current_state_and_stays(
    registry: ConnectionRegistry, repository: JobRepository, stored_job: Callable[..., BacktestJob]
) -> None:
    # Given
    job = stored_job(JobStatus.RUNNING)
    sender = FakeSender()

    # When
    greeted, waits = greet(registry, repository, job, sender)

    # Then
    assert (greeted, waits) == (True, [])
    assert [(m["job_id"], m["status"]) for m in sender.sent["new"]] == [(job.job_id, "RUNNING")]
    assert sender.closed == []
    assert [c.connection_id for c in registry.for_job(job.job_id)] == ["new"]


def test_given_a_finished_job_when_a_watcher_connects_then_final_state_then_closed(
    registry: ConnectionRegistry, repository: JobRepository, stored_job: Callable[..., BacktestJob]
) -> None:
    # Given: the job completed before anyone subscribed, so no change will ever come
    job = stored_job(JobStatus.COMPLETED)
    sender = FakeSender()

    # When
    greeted, _ = greet(registry, repository, job, sender)

    # Then: like the local server, the final message, then a normal closure
    assert greeted is True
    assert [m["status"] for m in sender.sent["new"]] == ["COMPLETED"]
    assert sender.closed == ["new"]
    assert registry.for_job(job.job_id) == []


def test_given_a_handshake_under_way_when_greeting_refused_twice_then_delivered_on_the_third_post(
    registry: ConnectionRegistry, repository: JobRepository, stored_job: Callable[..., BacktestJob]
) -> None:
    # Given: API Gateway refuses posts as gone until the handshake $connect allowed completes
    job = stored_job(JobStatus.RUNNING)
    sender = FakeSender(refusals=2)

    # When
    greeted, waits = greet(registry, repository, job, sender)

    # Then
    assert greeted is True
    assert waits == list(GREETING_RETRY_DELAYS[:2])
    assert [m["status"] for m in sender.sent["new"]] == ["RUNNING"]


def test_given_a_client_that_left_when_greeted_then_retried_briefly_and_forgotten(
    registry: ConnectionRegistry, repository: JobRepository, stored_job: Callable[..., BacktestJob]
) -> None:
    # Given
    job = stored_job(JobStatus.RUNNING)
    sender = FakeSender(gone={"new"})

    # When
    greeted, waits = greet(registry, repository, job, sender)

    # Then: every retry spent (about two seconds), then its slot is free
    assert greeted is False
    assert waits == list(GREETING_RETRY_DELAYS)
    assert sum(waits) <= 2.5
    assert registry.for_job(job.job_id) == []


def test_given_a_connection_to_a_deleted_job_when_greeted_then_closed(
    registry: ConnectionRegistry, repository: JobRepository
) -> None:
    # Given
    connection = Connection("orphan", "00000000-0000-4000-8000-000000000000", "alice", 0)
    sender = FakeSender()

    # When
    greeted = greet_watcher(connection=connection, jobs=repository, connections=registry, sender=sender)

    # Then
    assert greeted is False
    assert (sender.sent, sender.closed) == ({}, ["orphan"])
