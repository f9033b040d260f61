"""Config version shapes (seed 000's `/api/v1/configs` routes)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from tradai.api.schemas.patterns import NAME_PATTERN
from tradai.domain.configs import ConfigStatus, ConfigVersion
from tradai.domain.strategies import ParameterValue

ConfigValue = ParameterValue | list[str]


class ConfigCreate(BaseModel):
    """A new config version: parameter values (and optionally timeframe, pairs, exchange) of a strategy."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "strategy_name": "PascalStrategy",
                "name": "pascal-fast",
                "description": "Faster EMAs",
                "config_data": {
                    "timeframe": "1h",
                    "pairs": ["BTC/USDT:USDT"],
                    "ema_fast": 13,
                    "ema_slow": 34,
                },
            }
        },
    )

    strategy_name: str = Field(pattern=NAME_PATTERN)
    config_data: dict[Annotated[str, Field(max_length=64)], ConfigValue] = Field(
        max_length=60, description="Parameter values by name, plus optional `timeframe`, `pairs`, `exchange`."
    )
    description: str = Field(default="", max_length=2000)
    name: str | None = Field(
        default=None, pattern=NAME_PATTERN, description="A unique name to find the config by (`pascal-v2`)."
    )


class ConfigPublic(BaseModel):
    """A config version."""

    config_id: str
    strategy_name: str
    version: int
    name: str | None
    description: str
    config_data: dict[str, Any]
    status: ConfigStatus
    is_active: bool
    created_by: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, config: ConfigVersion) -> ConfigPublic:
        """The public view of a stored config."""
        return cls(
            **config.model_dump(
                include={
                    "config_id",
                    "strategy_name",
                    "version",
                    "name",
                    "description",
                    "status",
                    "created_by",
                    "created_at",
                    "updated_at",
                }
            ),
            config_data=config.config_data.flat(),
            is_active=config.status is ConfigStatus.ACTIVE,
        )


class ConfigList(BaseModel):
    """A strategy's config versions, oldest first (empty for a strategy without configs)."""

    strategy_name: str
    items: list[ConfigPublic]
    total: int
    active_config_id: str | None
