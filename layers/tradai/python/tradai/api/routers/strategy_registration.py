"""Register a strategy version: `POST /api/v1/strategies` (seeds 000, 001).

A router of its own because registering describes the strategy through the engine's catalog
(numpy, pandas, numba): in AWS it runs from the worker image (`functions/engine_routes`), while the
strategies' reads stay on the light Lambda with SnapStart.
"""

from __future__ import annotations

from fastapi import APIRouter, status

from tradai.api.auth import Trader
from tradai.api.deps import ContainerDep
from tradai.api.schemas.common import error_doc
from tradai.api.schemas.strategy_detail import StrategyDetailPublic
from tradai.api.schemas.strategy_registration import StrategyRegister
from tradai.domain.clock import utc_now
from tradai.services.strategies import version_detail
from tradai.services.strategy_registration import NewVersion, register_version

router = APIRouter(prefix="/api/v1/strategies", tags=["strategies"])


@router.post(
    "",
    response_model=StrategyDetailPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Register a strategy version",
    responses=error_doc(409, "The version exists"),
)
def register_strategy(container: ContainerDep, _: Trader, body: StrategyRegister) -> StrategyDetailPublic:
    version = register_version(
        store=container.store,
        catalog=container.strategy_catalog(),
        request=NewVersion(**body.model_dump()),
        now=utc_now(),
    )
    return StrategyDetailPublic.of_detail(version_detail(container.store, version))
