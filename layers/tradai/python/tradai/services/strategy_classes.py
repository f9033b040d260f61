"""The engine class a job or a strategy instance runs, found where the catalog found it.

The catalog (`EngineStrategyCatalog(settings.strategy_path)`) accepts a request naming a user
strategy; whatever runs it later (a local worker process, a Fargate task) builds its settings from
the server's or its own environment and looks the name up here, in the same folder.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tradai.engine.strategy import Strategy
    from tradai.settings import Settings


def strategy_class(name: str, settings: Settings) -> type[Strategy]:
    """The class of the built-in or user strategy `name` (the folder is `TRADAI_STRATEGY_PATH`).

    Raises:
        StrategyNotFound: no strategy has that name.
        StrategyError: none has it and a file of the folder fails to import (the message names it).
    """
    from tradai.engine.registry import resolve_strategy

    return resolve_strategy(name, settings.strategy_path)
