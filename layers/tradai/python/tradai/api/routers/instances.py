"""Strategy instances (seed 000): `/api/v1/strategies/{id}/run`, `.../instances`, `/api/v1/trading/status`.

`{strategy_id}` is a strategy name from the catalog (`PascalStrategy`, `sma_cross`). These paths end
in fixed segments (`/run`, `/instances`), so they never collide with the strategies router's
`/strategies/{name}`; the local server still mounts this router first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Query, status

from tradai.api.auth import Trader, Viewer
from tradai.api.deps import ContainerDep
from tradai.api.schemas.common import error_doc
from tradai.api.schemas.instances import (
    InstanceList,
    InstanceLogs,
    InstancePublic,
    LogLinePublic,
    RunBody,
    TradingStatusResponse,
)
from tradai.bootstrap import settling_broker
from tradai.domain.clock import utc_now
from tradai.domain.errors import Unavailable
from tradai.domain.identity import Role
from tradai.services.instances import InstancePolicy, InstanceService, RunRequest

router = APIRouter(prefix="/api/v1", tags=["instances"])

StrategyId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=128,
        description="A strategy (PascalStrategy, sma_cross, a registered name) or a config name (pascal-v2)",
    ),
]
InstanceId = Annotated[UUID, Path(description="An instance id (UUID)")]
NOT_FOUND = error_doc(404, "No such strategy or instance")
CONFLICT = error_doc(409, "The instance's status does not allow it")


def get_instance_service(container: ContainerDep) -> InstanceService:
    """The instance use cases on the container's adapters; 503 where this runtime runs no instances."""
    if container.instance_runner is None or container.strategies is None:
        raise Unavailable("strategy instances are not available in this runtime")
    settings = container.settings
    return InstanceService(
        store=container.store,
        catalog=container.strategies,
        runner=container.instance_runner,
        bars=container.market_data,
        brokers=lambda instance: settling_broker(settings, instance),
        policy=InstancePolicy(
            live_trading_enabled=settings.live_trading,
            exchange_keys_configured=settings.exchange_keys_configured,
            replay_bars=settings.replay_bars,
            replay_bars_per_second=settings.replay_bars_per_second,
            stop_timeout_seconds=settings.instance_stop_timeout_seconds,
        ),
    )


Instances = Annotated[InstanceService, Depends(get_instance_service)]


@router.post(
    "/strategies/{strategy_id}/run",
    response_model=InstancePublic,
    status_code=status.HTTP_201_CREATED,
    summary="Start a dry-run (trader) or live (admin) instance of a strategy",
    responses=NOT_FOUND
    | error_doc(403, "Live trading not allowed (role or LIVE_TRADING_DISABLED)")
    | error_doc(409, "EXCHANGE_KEYS_MISSING for live trading"),
)
def run_strategy(
    service: Instances, principal: Trader, strategy_id: StrategyId, body: RunBody
) -> InstancePublic:
    instance = service.run(
        strategy_id,
        RunRequest(**body.model_dump()),
        owner=principal.subject,
        may_trade_live=principal.may(Role.ADMIN),
        now=utc_now(),
    )
    return InstancePublic.of(instance)


@router.get(
    "/strategies/{strategy_id}/instances",
    response_model=InstanceList,
    summary="A strategy's instances, newest first",
    responses=NOT_FOUND,
)
def list_instances(
    service: Instances,
    _: Viewer,
    strategy_id: StrategyId,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> InstanceList:
    instances = service.of_strategy(strategy_id, now=utc_now(), limit=limit)
    return InstanceList(
        strategy_name=service.strategy_name(strategy_id),
        instances=[InstancePublic.of(instance) for instance in instances],
        total=len(instances),
    )


@router.get(
    "/strategies/{strategy_id}/instances/{instance_id}",
    response_model=InstancePublic,
    summary="One instance: status, stats, error",
    responses=NOT_FOUND,
)
def get_instance(
    service: Instances, _: Viewer, strategy_id: StrategyId, instance_id: InstanceId
) -> InstancePublic:
    return InstancePublic.of(service.get(strategy_id, str(instance_id), now=utc_now()))


@router.post(
    "/strategies/{strategy_id}/instances/{instance_id}/stop",
    response_model=InstancePublic,
    summary="Stop an instance (graceful, forced after a timeout)",
    responses=NOT_FOUND | CONFLICT,
)
def stop_instance(
    service: Instances, _: Trader, strategy_id: StrategyId, instance_id: InstanceId
) -> InstancePublic:
    return InstancePublic.of(service.stop(strategy_id, str(instance_id), now=utc_now()))


@router.post(
    "/strategies/{strategy_id}/instances/{instance_id}/pause",
    response_model=InstancePublic,
    summary="Stop trading but keep the instance's process",
    responses=NOT_FOUND | CONFLICT,
)
def pause_instance(
    service: Instances, _: Trader, strategy_id: StrategyId, instance_id: InstanceId
) -> InstancePublic:
    return InstancePublic.of(service.pause(strategy_id, str(instance_id), now=utc_now()))


@router.post(
    "/strategies/{strategy_id}/instances/{instance_id}/resume",
    response_model=InstancePublic,
    summary="Trade again after a pause (a live instance needs the admin role)",
    responses=NOT_FOUND | CONFLICT,
)
def resume_instance(
    service: Instances, principal: Trader, strategy_id: StrategyId, instance_id: InstanceId
) -> InstancePublic:
    instance = service.resume(
        strategy_id, str(instance_id), may_trade_live=principal.may(Role.ADMIN), now=utc_now()
    )
    return InstancePublic.of(instance)


@router.get(
    "/strategies/{strategy_id}/instances/{instance_id}/logs",
    response_model=InstanceLogs,
    summary="The last lines an instance logged, oldest first",
    responses=NOT_FOUND,
)
def instance_logs(
    service: Instances,
    _: Viewer,
    strategy_id: StrategyId,
    instance_id: InstanceId,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    since: Annotated[datetime | None, Query(description="Only lines logged at or after this time")] = None,
) -> InstanceLogs:
    lines = service.logs(strategy_id, str(instance_id), limit=limit, since=since, now=utc_now())
    return InstanceLogs(
        instance_id=str(instance_id), lines=[LogLinePublic.of(line) for line in lines], count=len(lines)
    )


@router.get(
    "/trading/status",
    response_model=TradingStatusResponse,
    summary="Active instances and how many instances are in each status",
)
def trading_status(service: Instances, _: Viewer) -> TradingStatusResponse:
    return TradingStatusResponse.of(service.status(now=utc_now()))
