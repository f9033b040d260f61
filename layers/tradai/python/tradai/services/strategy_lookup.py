"""Finding a strategy's versions by name, and the versions that speak for it (champion, current).

Every strategy route resolves its `{name}` here; a module of its own so that a route group needing
only this (A/B tests, instances, promotion) does not load the list, detail or registration use cases.
"""

from __future__ import annotations

from tradai.domain.strategy_versions import Stage, StrategyNotFound, StrategyVersion
from tradai.ports import DocumentStore
from tradai.services.strategy_repository import StrategyRepository

_STAGE_RANK = {Stage.PROD: 3, Stage.STAGING: 2, Stage.DEV: 1, Stage.ARCHIVED: 0}


def versions_of(store: DocumentStore, name: str) -> list[StrategyVersion]:
    """A strategy's versions, oldest first, by exact name or else case-insensitively.

    Raises:
        StrategyNotFound: no version of such a strategy is registered.
    """
    repository = StrategyRepository(store)
    versions = repository.versions(name)
    if not versions:
        folded = {known.lower(): known for known in repository.names()}
        if name.lower() in folded:
            versions = repository.versions(folded[name.lower()])
    if not versions:
        raise StrategyNotFound(f"no strategy named {name!r} is registered")
    return versions


def prod_version(versions: list[StrategyVersion]) -> StrategyVersion | None:
    """The version in prod (the champion), if any."""
    return next((v for v in versions if v.stage is Stage.PROD), None)


def current_version(versions: list[StrategyVersion]) -> StrategyVersion:
    """The version that speaks for a strategy: the one in prod, else staging, else the newest."""
    return max(versions, key=lambda v: (_STAGE_RANK[v.stage], v.created_at))
