"""Keep FastAPI from importing `pydantic.v1` when it registers a route (~0.1 s of a cold start).

FastAPI refuses `pydantic.v1` models, and to check each route's annotations it imports
`pydantic.v1` (`fastapi._compat.shared.is_pydantic_v1_model_class`), which costs every HTTP Lambda
handler about as much as 9% of FastAPI's own import while no TradAI model is a v1 model. A class
can only derive from the v1 base once `pydantic.v1` is imported, so until then the answer is "no"
without importing it; once anything has imported it, FastAPI's own check runs unchanged.
tests/integration/test_cold_imports.py pins that route registration leaves `pydantic.v1` out, so a
FastAPI release that moves the check shows up there.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from fastapi._compat import shared

_MARK = "skips_unloaded_v1"
_FASTAPI_CHECK = "is_pydantic_v1_model_class"
"""The function of `fastapi._compat.shared` that route registration calls through its module."""


def _check_only_if_loaded(fastapi_check: Callable[[Any], bool]) -> Callable[[Any], bool]:
    def is_pydantic_v1_model_class(cls: Any) -> bool:
        return "pydantic.v1" in sys.modules and fastapi_check(cls)

    setattr(is_pydantic_v1_model_class, _MARK, True)
    return is_pydantic_v1_model_class


def skip_pydantic_v1_probe() -> None:
    """Answer FastAPI's "is this a pydantic.v1 model?" without importing `pydantic.v1` (idempotent)."""
    current = getattr(shared, _FASTAPI_CHECK, None)
    if current is not None and not getattr(current, _MARK, False):
        setattr(shared, _FASTAPI_CHECK, _check_only_if_loaded(current))
