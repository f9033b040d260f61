"""The model registry's vocabulary: one registered model per strategy, a model version per strategy
version, aliases `champion` (prod) and `challenger` (staging), and the errors of promoting.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tradai.domain.errors import Conflict, NotFound, Unavailable

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


class ModelNotFound(NotFound):
    """The registry has no model of this name (the strategy was never staged or promoted)."""

    code = "MODEL_NOT_FOUND"


class ModelVersionNotFound(NotFound):
    """The strategy has no such version."""

    code = "MODEL_VERSION_NOT_FOUND"


class RegistryUnavailable(Unavailable):
    """The model registry cannot be reached or is not configured in this runtime."""

    code = "REGISTRY_UNAVAILABLE"


class NothingToRollBack(Conflict):
    """No version is in prod, or none was in prod before the current one."""

    code = "NOTHING_TO_ROLL_BACK"


class NeverInProd(Conflict):
    """A rollback may only return to a version that was in prod before."""

    code = "VERSION_NEVER_IN_PROD"


class AlreadyInProd(Conflict):
    """The version is already the one in prod."""

    code = "ALREADY_IN_PROD"


class NotValidated(Conflict):
    """The version has no validation backtest: stage it first (or force the promotion)."""

    code = "NOT_VALIDATED"


class ValidationNotComplete(Conflict):
    """The validation backtest has not completed (yet, or ever)."""

    code = "VALIDATION_NOT_COMPLETE"


class PromotionGatesFailed(Conflict):
    """The validation backtest missed a promotion gate."""

    code = "PROMOTION_GATES_FAILED"

    def __init__(self, failed: list[str]) -> None:
        super().__init__("promotion gates failed: " + "; ".join(failed), failed_gates=failed)
        self.failed = failed


class LifecycleChangedConcurrently(Conflict):
    """Another stage, promotion or rollback of the strategy raced this one; retry."""

    code = "LIFECYCLE_CHANGED_CONCURRENTLY"
