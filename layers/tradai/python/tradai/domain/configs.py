"""Config versions: parameter sets of a strategy, numbered, of which exactly one may be active."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tradai.domain.errors import Conflict, NotFound, Unprocessable


class ConfigStatus(StrEnum):
    """A config version's state: `inactive` until activated; `deprecated` is final."""

    INACTIVE = "inactive"
    ACTIVE = "active"
    DEPRECATED = "deprecated"


class ConfigNotFound(NotFound):
    """No config version (or config name) goes by this id."""

    code = "CONFIG_NOT_FOUND"


class ConfigDeprecated(Conflict):
    """The config is deprecated: it can no longer be activated or run."""

    code = "CONFIG_DEPRECATED"


class ConfigNameTaken(Conflict):
    """Another config already goes by this name."""

    code = "CONFIG_NAME_TAKEN"


class InvalidConfig(Unprocessable):
    """The config data breaks the strategy's parameter schema (an unknown key, a value out of range)."""

    code = "INVALID_CONFIG"


RUN_KEYS = ("timeframe", "pairs", "exchange")
"""Keys of a config's data that say where the strategy runs; every other key is a parameter."""


class ConfigData(BaseModel):
    """What a config sets: where the strategy runs and its parameter values (complete, defaults filled)."""

    model_config = ConfigDict(extra="forbid")

    timeframe: str | None = None
    pairs: list[str] | None = None
    exchange: str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)

    def flat(self) -> dict[str, Any]:
        """The one-level map clients send and read: run keys that are set, then the parameters."""
        run = {
            key: value for key, value in self.model_dump(include=set(RUN_KEYS)).items() if value is not None
        }
        return {**run, **self.parameters}


class ConfigVersion(BaseModel):
    """One config version of a strategy, as stored."""

    model_config = ConfigDict(extra="ignore")

    config_id: str
    strategy_name: str
    version: int
    """1, 2, ... per strategy, in creation order."""
    name: str | None = None
    """A unique, human name (``pascal-v2``), by which `GET /api/v1/strategies/{config_name}` finds it."""
    description: str = ""
    config_data: ConfigData
    status: ConfigStatus = ConfigStatus.INACTIVE
    created_by: str
    created_at: datetime
    updated_at: datetime
