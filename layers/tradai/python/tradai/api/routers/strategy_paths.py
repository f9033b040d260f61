"""The path parameter of `/api/v1/strategies/{name}` routes, which must not swallow sibling routes.

`/api/v1/strategies/pnl` belongs to another route group; a `{config_name}` parameter would match it
when its router is mounted first. This convertor refuses those reserved words, so route order does
not matter (in one app or across Lambdas).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from starlette.convertors import Convertor, register_url_convertor

from tradai.api.schemas.patterns import NAME_PATTERN

RESERVED = ("pnl",)
"""Fixed one-segment paths under `/api/v1/strategies` served by other routers."""


class StrategyRefConvertor(Convertor[str]):
    """A strategy or config name: one path segment, not a reserved word."""

    regex = "(?!(?:" + "|".join(RESERVED) + ")$)[^/]+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("strategy_ref", StrategyRefConvertor())


StrategyName = Annotated[str, Path(pattern=NAME_PATTERN, description="A strategy name")]
"""A strategy (or config) name in a path: the pattern names are registered with, so a name that
could never exist (`../x`, `💥`, 10 kB) is a 422 before any lookup."""
