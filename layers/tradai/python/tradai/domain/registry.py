"""The errors of the model registry and of a strategy's lifecycle: promoting, rolling back, racing.

What the registry holds (models, versions, their tags and aliases) is `registry_records`.
"""

from __future__ import annotations

from tradai.domain.errors import Conflict, NotFound, Unavailable


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
