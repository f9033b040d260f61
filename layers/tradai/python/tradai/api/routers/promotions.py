"""Stage and promote: `/api/v1/strategies/{name}/stage` and `/promote` (seed 001).

A router of its own, so the strategies Lambda never loads the registry; the models Lambda serves
these routes beside `/api/v1/models`.
"""

from __future__ import annotations

from fastapi import APIRouter

from tradai.api.auth import Admin
from tradai.api.deps import ContainerDep
from tradai.api.routers.strategy_paths import StrategyName
from tradai.api.schemas.common import error_doc
from tradai.api.schemas.models import PromoteRequest, PromoteResult, StageRequest, StageResult
from tradai.domain.clock import utc_now
from tradai.services import promotion

router = APIRouter(prefix="/api/v1/strategies", tags=["strategies"])

REFUSALS = error_doc(404, "No such strategy or version") | error_doc(409, "Refused: the detail says why")


@router.post(
    "/{name:strategy_ref}/stage",
    response_model=StageResult,
    summary="Stage a version: it becomes the challenger and a validation backtest starts",
    responses=REFUSALS,
)
def stage(container: ContainerDep, principal: Admin, name: StrategyName, body: StageRequest) -> StageResult:
    staged = promotion.stage_version(
        store=container.store,
        registry=container.registry,
        catalog=container.strategy_catalog(),
        bars=container.market_data,
        executor=container.executor,
        name=name,
        version=body.version,
        validation_days=container.settings.validation_days,
        owner=principal.subject,
        now=utc_now(),
    )
    return StageResult(**vars(staged))


@router.post(
    "/{name:strategy_ref}/promote",
    response_model=PromoteResult,
    summary="Promote a version to prod if its validation passed the gates (or with force)",
    responses=REFUSALS,
)
def promote(container: ContainerDep, _: Admin, name: StrategyName, body: PromoteRequest) -> PromoteResult:
    settings = container.settings
    promoted = promotion.promote_version(
        store=container.store,
        registry=container.registry,
        gates=promotion.Gates(
            min_sharpe=settings.promotion_min_sharpe,
            max_drawdown=settings.promotion_max_drawdown,
            min_trades=settings.promotion_min_trades,
        ),
        name=name,
        version=body.version,
        force=body.force,
        now=utc_now(),
    )
    return PromoteResult(**vars(promoted))
