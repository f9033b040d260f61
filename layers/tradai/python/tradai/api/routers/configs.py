"""Config versions: `/api/v1/configs` (seed 000): list, read, activate, deprecate; creating one is
`config_creation`. `GET /api/v1/configs` is a 405 by design."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from tradai.api.auth import Trader, Viewer
from tradai.api.deps import ContainerDep
from tradai.api.routers.shared_params import CONFIG_NOT_FOUND
from tradai.api.schemas.common import error_doc
from tradai.api.schemas.configs import ConfigList, ConfigPublic
from tradai.api.schemas.patterns import NAME_PATTERN
from tradai.domain.clock import utc_now
from tradai.services import configs
from tradai.services.config_repository import ConfigRepository

router = APIRouter(prefix="/api/v1/configs", tags=["configs"])

StrategyName = Annotated[str, Path(pattern=NAME_PATTERN, description="The strategy the configs belong to")]
ConfigId = Annotated[str, Path(max_length=64, description="A config version id")]
NOT_FOUND = CONFIG_NOT_FOUND
CONFLICT = error_doc(409, "Deprecated, or changed concurrently")


@router.get("/{strategy_name}", response_model=ConfigList, summary="A strategy's config versions")
def list_configs(container: ContainerDep, _: Viewer, strategy_name: StrategyName) -> ConfigList:
    repository = ConfigRepository(container.store)
    items = repository.versions(strategy_name)
    return ConfigList(
        strategy_name=strategy_name,
        items=[ConfigPublic.of(config) for config in items],
        total=len(items),
        active_config_id=repository.active_id(strategy_name),
    )


@router.get(
    "/{strategy_name}/{config_id}",
    response_model=ConfigPublic,
    summary="One config version",
    responses=NOT_FOUND,
)
def get_config(
    container: ContainerDep, _: Viewer, strategy_name: StrategyName, config_id: ConfigId
) -> ConfigPublic:
    return ConfigPublic.of(ConfigRepository(container.store).get(strategy_name, config_id))


@router.post(
    "/{strategy_name}/{config_id}/activate",
    response_model=ConfigPublic,
    summary="Make this the strategy's one active config",
    responses=NOT_FOUND | CONFLICT,
)
def activate_config(
    container: ContainerDep, _: Trader, strategy_name: StrategyName, config_id: ConfigId
) -> ConfigPublic:
    config = configs.activate_config(
        store=container.store, strategy_name=strategy_name, config_id=config_id, now=utc_now()
    )
    return ConfigPublic.of(config)


@router.post(
    "/{strategy_name}/{config_id}/deprecate",
    response_model=ConfigPublic,
    summary="Retire a config: it can no longer be activated or run",
    responses=NOT_FOUND | CONFLICT,
)
def deprecate_config(
    container: ContainerDep, _: Trader, strategy_name: StrategyName, config_id: ConfigId
) -> ConfigPublic:
    config = configs.deprecate_config(
        store=container.store, strategy_name=strategy_name, config_id=config_id, now=utc_now()
    )
    return ConfigPublic.of(config)
