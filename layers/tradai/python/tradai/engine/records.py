"""The reproduction record of results made of many runs: sweeps, walk-forwards, Monte Carlo."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from tradai.engine.config import SimulationSettings
from tradai.engine.registry import code_hash
from tradai.engine.result import ENGINE_VERSION, Reproducibility
from tradai.engine.strategy import Strategy


def search_record(
    cls: type[Strategy],
    params: Mapping[str, Any],
    config: SimulationSettings,
    bars_fingerprint: str,
    search: dict[str, Any],
) -> Reproducibility:
    """Return what reproduces a search over `cls`'s parameters on these bars.

    Args:
        params: the values held fixed in every parameter set.
        config: the simulation settings; its seed is the search's.
        search: the search itself (mode, space, method, metric, ...).
    """
    return Reproducibility(
        strategy=cls.name,
        strategy_version=cls.version,
        code_hash=code_hash(cls),
        params=dict(params),
        settings={k: v for k, v in asdict(config).items() if k != "seed"},
        engine_version=ENGINE_VERSION,
        bars_fingerprint=bars_fingerprint,
        seed=config.seed,
        search=search,
    )


def space_record(space: Mapping[str, Sequence[Any]] | None) -> dict[str, list[Any]] | None:
    """Return the searched values per parameter as given (None: the declared ranges)."""
    return None if space is None else {name: list(values) for name, values in space.items()}
