"""A strategy's catalog page: its engine class (when it can be described) and its registered
versions, ranked; also an engine strategy nobody registered yet."""

from __future__ import annotations

from dataclasses import dataclass

from tradai.domain.errors import StrategyError
from tradai.domain.strategies import StrategyInfo, UnknownStrategy
from tradai.domain.strategy_versions import StrategyNotFound
from tradai.ports import DocumentStore, StrategyCatalog
from tradai.services.catalog import Ranked, rank
from tradai.services.strategy_listing import ListedVersion
from tradai.services.strategy_lookup import prod_version, versions_of
from tradai.services.version_metrics import latest_metrics


@dataclass(frozen=True)
class CatalogDetail:
    """A strategy in the catalog: its engine class and its registered versions."""

    name: str
    info: StrategyInfo | None
    versions: list[Ranked]
    champion_version: str | None
    info_error: str | None = None  # why a registered strategy's class cannot be described


def catalog_detail(*, store: DocumentStore, catalog: StrategyCatalog, name: str) -> CatalogDetail:
    """A registered strategy, or an engine strategy nobody registered yet.

    A registered strategy whose class cannot be loaded (its user file fails to import) is still
    shown, without the class's details and with `info_error` saying why.

    Raises:
        StrategyNotFound: neither goes by `name`.
        StrategyError: no registered strategy goes by `name` and the engine cannot load the one
            that might (a broken user file).
    """
    try:
        versions = versions_of(store, name)
    except StrategyNotFound:
        versions = []
    strategy_class = versions[-1].strategy_class if versions else name
    info_error = None
    try:
        info = _describe(catalog, strategy_class)
    except StrategyError as exc:  # e.g. its user file fails to import: still show the versions
        if not versions:
            raise
        info, info_error = None, exc.detail
    if info is None and not versions:
        raise StrategyNotFound(f"no strategy named {name!r} is registered or built in")
    evidence = latest_metrics(store=store, versions=versions)
    listed = [ListedVersion(v, evidence.get((v.name, v.version))) for v in versions]
    champion = prod_version(versions)
    return CatalogDetail(
        name=versions[0].name if versions else (info.name if info else name),
        info=info,
        versions=sorted(rank(listed), key=lambda entry: entry.item.version.created_at),
        champion_version=champion.version if champion else None,
        info_error=info_error,
    )


def _describe(catalog: StrategyCatalog, name: str) -> StrategyInfo | None:
    try:
        return catalog.describe(name)
    except UnknownStrategy:
        return None
