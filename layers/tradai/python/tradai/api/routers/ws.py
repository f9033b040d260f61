"""Live job progress: `POST /api/v1/ws/ticket` and `WS /ws/backtests/{job_id}?ticket=...` (local runtime).

Close codes (seed 001): 1000 when the job has finished, 1008 for a missing/used/expired ticket,
an unknown job or an 11th connection to one job, 1011 for a server error. In AWS the same
protocol runs on API Gateway WebSockets (issue 9).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from fastapi import APIRouter, Body, Request, WebSocket, WebSocketDisconnect, status
from starlette.concurrency import run_in_threadpool

from tradai.api.auth import Viewer
from tradai.api.deps import ContainerDep
from tradai.api.schemas.ws import TicketPublic, TicketRequest
from tradai.bootstrap import Container
from tradai.domain.clock import utc_now
from tradai.domain.errors import Forbidden, NotAuthenticated, NotFound
from tradai.domain.jobs import TERMINAL_STATUSES, BacktestJob, TooManyConnections
from tradai.services.job_messages import job_update_message
from tradai.services.job_repository import JobRepository
from tradai.services.ws_tickets import consume_ticket, issue_ticket

log = logging.getLogger(__name__)

router = APIRouter(tags=["websocket"])


@router.post("/api/v1/ws/ticket", response_model=TicketPublic, summary="Get a single-use WebSocket ticket")
def create_ticket(
    request: Request,
    container: ContainerDep,
    principal: Viewer,
    body: Annotated[TicketRequest | None, Body()] = None,
) -> TicketPublic:
    job_id = str(body.job_id) if body and body.job_id else None
    if job_id is not None:
        JobRepository(container.store).get(job_id)  # 404 now rather than a 1008 on connect
    ticket = issue_ticket(store=container.store, subject=principal.subject, job_id=job_id, now=utc_now())
    return TicketPublic(
        ticket=ticket.ticket,
        expires_at=ticket.expires_at,
        ws_url=_ws_url(request, container.settings.websocket_url, job_id, ticket.ticket),
    )


def _ws_url(request: Request, websocket_api: str | None, job_id: str | None, ticket: str) -> str:
    job = job_id or "{job_id}"
    if websocket_api:  # AWS: API Gateway WebSockets take the job and ticket as query parameters
        return f"{websocket_api}?{urlencode({'job_id': job, 'ticket': ticket}, safe='{}')}"
    scheme = "wss" if request.url.scheme == "https" else "ws"
    return f"{scheme}://{request.url.netloc}/ws/backtests/{job}?ticket={ticket}"


@router.websocket("/ws/backtests/{job_id}")
async def watch_backtest(websocket: WebSocket, job_id: UUID, ticket: str = "") -> None:
    container: Container = websocket.app.state.container_provider()
    # Accept first: a close before accept fails the handshake, and clients could not see the code.
    await websocket.accept()
    try:
        await run_in_threadpool(
            consume_ticket, store=container.store, ticket=ticket, job_id=str(job_id), now=utc_now()
        )
        await _stream_job(websocket, container, str(job_id))
    except (NotAuthenticated, Forbidden, NotFound, TooManyConnections) as refused:
        await websocket.close(code=status.WS_1008_POLICY_VIOLATION, reason=refused.detail[:120])
    except WebSocketDisconnect:
        return
    except Exception:
        log.exception("WebSocket for job %s failed", job_id)
        await websocket.close(code=status.WS_1011_INTERNAL_ERROR)


async def _stream_job(websocket: WebSocket, container: Container, job_id: str) -> None:
    if container.job_bus is None:
        raise NotFound("live progress is served by the WebSocket API in this runtime")
    jobs = JobRepository(container.store)
    # Subscribe before reading the current state, so no change between the two is missed.
    async with container.job_bus.subscribe(job_id) as events:
        job: BacktestJob = await run_in_threadpool(jobs.get, job_id)
        await websocket.send_json(job_update_message(job))
        finished = job.status.is_terminal
        client_left = asyncio.create_task(_until_disconnect(websocket))
        try:
            while not finished:
                event = await _next_event(events, client_left)
                if event is None:
                    return  # the client went away; free its slot at once
                await websocket.send_json(event)
                finished = "type" not in event and event.get("status") in _TERMINAL
        finally:
            client_left.cancel()
    await websocket.close(code=status.WS_1000_NORMAL_CLOSURE)


_TERMINAL = {status.value for status in TERMINAL_STATUSES}


async def _next_event(
    events: asyncio.Queue[dict[str, Any]], client_left: asyncio.Task[None]
) -> dict[str, Any] | None:
    getter = asyncio.create_task(events.get())
    done, _ = await asyncio.wait({getter, client_left}, return_when=asyncio.FIRST_COMPLETED)
    if getter in done:
        return getter.result()
    getter.cancel()
    return None


async def _until_disconnect(websocket: WebSocket) -> None:
    # Watchers only listen; whatever a client sends is ignored until it disconnects.
    while (await websocket.receive())["type"] != "websocket.disconnect":
        pass
