"""Live progress over WebSocket: tickets, the current state at once, every change, close codes."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tradai.bootstrap import Container
from tradai.domain.jobs import BacktestJob, JobStatus
from tradai.services.job_messages import job_update_message
from tradai.services.job_repository import JobRepository


def ticket(client: TestClient, job_id: str | None = None) -> str:
    response = client.post("/api/v1/ws/ticket", json={"job_id": job_id} if job_id else None)
    assert response.status_code == 200, response.text
    return str(response.json()["ticket"])


def publish_when_subscribed(container: Container, job_id: str, events: list[dict[str, object]]) -> None:
    """Publish once the watcher is subscribed (from another thread, as the executor does)."""

    def run() -> None:
        assert container.job_bus is not None
        deadline = time.monotonic() + 5
        while container.job_bus.subscriber_count(job_id) == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        for event in events:
            container.job_bus.publish(job_id, event)

    threading.Thread(target=run, daemon=True).start()


def test_given_ticket_when_requested_then_single_use_url_with_expiry(
    client: TestClient, stored_job: Callable[..., BacktestJob]
) -> None:
    job = stored_job(JobStatus.QUEUED)
    body = client.post("/api/v1/ws/ticket", json={"job_id": job.job_id}).json()
    assert body["ws_url"] == f"ws://testserver/ws/backtests/{job.job_id}?ticket={body['ticket']}"
    assert body["expires_at"].endswith("Z")


def test_given_running_job_when_watched_then_current_state_then_changes_then_close_1000(
    client: TestClient,
    container: Container,
    repository: JobRepository,
    stored_job: Callable[..., BacktestJob],
) -> None:
    # Given a running job and a worker that will report progress and finish
    job = stored_job(JobStatus.RUNNING)
    progressed = repository.record_progress(
        job.job_id,
        at=job.created_at,
        changes={"progress": {"current": 50, "total": 100}, "message": "2024-06"},
    )
    assert progressed is not None
    done = progressed.model_copy(update={"status": JobStatus.COMPLETED, "result": {"total_return": 0.1}})
    trade = {"type": "trade", "data": {"symbol": "BTC/USDT:USDT", "side": "long", "price": 42000.0}}
    publish_when_subscribed(
        container, job.job_id, [job_update_message(progressed), trade, job_update_message(done)]
    )

    # When
    with client.websocket_connect(
        f"/ws/backtests/{job.job_id}?ticket={ticket(client, job.job_id)}"
    ) as socket:
        first = socket.receive_json()
        second = socket.receive_json()
        third = socket.receive_json()
        last = socket.receive_json()
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_json()

    # Then
    assert first["job_id"] == job.job_id
    assert second["progress"] == {"current": 50, "total": 100, "percentage": 50.0}
    assert third == trade
    assert last["status"] == "COMPLETED"
    assert last["result"] == {"total_return": 0.1}
    assert closed.value.code == 1000


def test_given_finished_job_when_watched_then_final_state_and_close_1000(
    client: TestClient, stored_job: Callable[..., BacktestJob]
) -> None:
    job = stored_job(JobStatus.CANCELLED)
    with client.websocket_connect(f"/ws/backtests/{job.job_id}?ticket={ticket(client)}") as socket:
        assert socket.receive_json()["status"] == "CANCELLED"
        with pytest.raises(WebSocketDisconnect) as closed:
            socket.receive_json()
    assert closed.value.code == 1000


def assert_refused(client: TestClient, url: str) -> None:
    with client.websocket_connect(url) as socket, pytest.raises(WebSocketDisconnect) as closed:
        socket.receive_json()
    assert closed.value.code == 1008


def test_given_missing_or_unknown_ticket_when_connecting_then_close_1008(
    client: TestClient, stored_job: Callable[..., BacktestJob]
) -> None:
    job = stored_job(JobStatus.RUNNING)
    assert_refused(client, f"/ws/backtests/{job.job_id}")
    assert_refused(client, f"/ws/backtests/{job.job_id}?ticket=made-up")


def test_given_used_ticket_when_reused_then_close_1008(
    client: TestClient, stored_job: Callable[..., BacktestJob]
) -> None:
    job = stored_job(JobStatus.CANCELLED)
    used = ticket(client)
    with client.websocket_connect(f"/ws/backtests/{job.job_id}?ticket={used}") as socket:
        socket.receive_json()
    assert_refused(client, f"/ws/backtests/{job.job_id}?ticket={used}")


def test_given_expired_ticket_when_connecting_then_close_1008(
    container: Container, client: TestClient, stored_job: Callable[..., BacktestJob]
) -> None:
    # Given a ticket issued 61 s ago
    from datetime import timedelta

    from tradai.domain.clock import utc_now
    from tradai.services.ws_tickets import issue_ticket

    job = stored_job(JobStatus.RUNNING)
    old = issue_ticket(
        store=container.store, subject="alice", job_id=None, now=utc_now() - timedelta(seconds=61)
    )

    # When / Then
    assert_refused(client, f"/ws/backtests/{job.job_id}?ticket={old.ticket}")


def test_given_ticket_for_another_job_when_connecting_then_close_1008(
    client: TestClient, stored_job: Callable[..., BacktestJob]
) -> None:
    one, other = stored_job(JobStatus.RUNNING), stored_job(JobStatus.RUNNING)
    assert_refused(client, f"/ws/backtests/{other.job_id}?ticket={ticket(client, one.job_id)}")


def test_given_unknown_job_when_connecting_then_close_1008(client: TestClient) -> None:
    assert_refused(client, f"/ws/backtests/{uuid.uuid4()}?ticket={ticket(client)}")


def test_given_ticket_for_unknown_job_when_requested_then_404(client: TestClient) -> None:
    response = client.post("/api/v1/ws/ticket", json={"job_id": str(uuid.uuid4())})
    assert response.status_code == 404


def test_given_ten_watchers_when_an_eleventh_connects_then_close_1008(
    client: TestClient, container: Container, stored_job: Callable[..., BacktestJob]
) -> None:
    # Given ten open connections to one running job
    job = stored_job(JobStatus.RUNNING)
    url = f"/ws/backtests/{job.job_id}?ticket="
    sockets = [client.websocket_connect(url + ticket(client)) for _ in range(10)]
    for socket in sockets:
        socket.__enter__()
        socket.receive_json()
    assert container.job_bus is not None
    assert container.job_bus.subscriber_count(job.job_id) == 10

    # When / Then
    assert_refused(client, url + ticket(client))
    for socket in sockets:
        socket.__exit__(None, None, None)


def test_given_watcher_when_it_disconnects_then_its_slot_is_freed(
    client: TestClient, container: Container, stored_job: Callable[..., BacktestJob]
) -> None:
    job = stored_job(JobStatus.RUNNING)
    with client.websocket_connect(f"/ws/backtests/{job.job_id}?ticket={ticket(client)}") as socket:
        socket.receive_json()
    assert container.job_bus is not None
    deadline = time.monotonic() + 5
    while container.job_bus.subscriber_count(job.job_id) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert container.job_bus.subscriber_count(job.job_id) == 0
