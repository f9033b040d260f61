"""StrategyCatalog on the engine's registry: built-ins plus the user strategies folder.

The engine (numpy, pandas, numba) is imported on first use, not when this module loads, so an
HTTP handler that mounts a route using the catalog keeps its cold import small.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from tradai.domain.errors import InvalidInput, NotFound
from tradai.domain.strategies import InvalidStrategyParameters, StrategyInfo, UnknownStrategy


class EngineStrategyCatalog:
    """The strategies the engine can run."""

    def __init__(self, strategy_path: Path | None = None) -> None:
        self._strategy_path = strategy_path

    def _strategy_class(self, name: str) -> Any:
        from tradai.engine.registry import resolve_strategy

        try:
            return resolve_strategy(name, self._strategy_path)
        except NotFound as exc:
            raise UnknownStrategy(exc.detail) from exc

    def describe(self, name: str) -> StrategyInfo:
        from tradai.engine.registry import code_hash

        cls = self._strategy_class(name)
        return StrategyInfo(
            name=cls.name,
            version=cls.version,
            timeframe=cls.timeframe,
            pairs=tuple(cls.pairs),
            can_short=bool(cls.can_short),
            code_hash=code_hash(cls),
            parameters={
                key: {"type": type(parameter).__name__, **_public_fields(parameter)}
                for key, parameter in cls.parameters().items()
            },
        )

    def resolve_parameters(self, name: str, parameters: dict[str, Any]) -> dict[str, Any]:
        cls = self._strategy_class(name)
        try:
            resolved: dict[str, Any] = cls(parameters).params
        except InvalidInput as exc:
            raise InvalidStrategyParameters(exc.detail) from exc
        return resolved


def _public_fields(parameter: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(parameter):
        return {field.name: getattr(parameter, field.name) for field in dataclasses.fields(parameter)}
    return {"default": getattr(parameter, "default", None)}
