"""What the model registry holds: one registered model per strategy, a model version per strategy
version with TradAI's tags, and the aliases `champion` (prod) and `challenger` (staging).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

CHAMPION = "champion"
CHALLENGER = "challenger"

# Model version tags (all strings, as MLflow stores them).
TAG_STRATEGY_VERSION = "strategy_version"
TAG_STAGE = "stage"
TAG_CODE_HASH = "code_hash"
TAG_CONFIG_ID = "config_id"
TAG_BACKTEST_JOB_ID = "backtest_job_id"
TAG_METRICS = "metrics"
"""JSON of the headline metrics of the version's validation (or latest) backtest."""


@dataclass(frozen=True)
class ModelVersionRecord:
    """One version of a registered model, as the registry holds it."""

    model: str
    version: str
    """The registry's own number ("1", "2", ...)."""
    created_at: datetime
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def strategy_version(self) -> str:
        """The strategy version it stands for (the registry number for versions made elsewhere)."""
        return self.tags.get(TAG_STRATEGY_VERSION, self.version)

    @property
    def metrics(self) -> dict[str, Any]:
        """The metrics tag, parsed (empty when absent or unreadable)."""
        try:
            value = json.loads(self.tags.get(TAG_METRICS, "{}"))
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}


@dataclass(frozen=True)
class RegisteredModelRecord:
    """A registered model and its aliases."""

    name: str
    created_at: datetime
    updated_at: datetime
    aliases: dict[str, str] = field(default_factory=dict)
    """Alias -> registry version."""
