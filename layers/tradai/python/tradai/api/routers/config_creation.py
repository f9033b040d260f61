"""Create a config version: `POST /api/v1/configs` (seed 000).

A router of its own because the config's parameters are checked against the strategy through the
engine's catalog (numpy, pandas, numba): in AWS it runs from the worker image
(`functions/engine_routes`), while the other config routes stay on the light Lambda with SnapStart.
"""

from __future__ import annotations

from fastapi import APIRouter, status

from tradai.api.auth import Trader
from tradai.api.deps import ContainerDep
from tradai.api.routers.shared_params import CONFIG_NOT_FOUND as NOT_FOUND
from tradai.api.schemas.common import error_doc
from tradai.api.schemas.configs import ConfigCreate, ConfigPublic
from tradai.domain.clock import utc_now
from tradai.services import configs

router = APIRouter(prefix="/api/v1/configs", tags=["configs"])


@router.post(
    "",
    response_model=ConfigPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Create a config version, checked against the strategy's parameters",
    responses=NOT_FOUND | error_doc(409, "The name is taken"),
)
def create_config(container: ContainerDep, principal: Trader, body: ConfigCreate) -> ConfigPublic:
    config = configs.create_config(
        store=container.store,
        catalog=container.strategy_catalog(),
        strategy_name=body.strategy_name,
        config_data=dict(body.config_data),
        description=body.description,
        name=body.name,
        owner=principal.subject,
        now=utc_now(),
    )
    return ConfigPublic.of(config)
