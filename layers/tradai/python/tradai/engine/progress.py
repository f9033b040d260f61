"""Progress of long work: (fraction done, message), plus the bar time reached when the callback takes it.

A callback is `fn(fraction, message)` or `fn(fraction, message, bar_time=None)`; the second kind
also gets the UTC time of the last bar simulated (the job runner shows it as `current_date`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from datetime import datetime
from typing import Any

Progress = Callable[..., None]
"""`fn(fraction, message)` or `fn(fraction, message, bar_time=None)`."""

Report = Callable[[float, str, datetime | None], None]


def reporter(callback: Progress | None) -> Report:
    """Return report(fraction, message, bar_time) calling `callback` with the arguments it accepts."""
    if callback is None:
        return _silent
    if _takes_bar_time(callback):
        return lambda fraction, message, bar_time: callback(fraction, message, bar_time=bar_time)
    return lambda fraction, message, bar_time: callback(fraction, message)


def _takes_bar_time(callback: Callable[..., Any]) -> bool:
    try:
        parameters = inspect.signature(callback).parameters.values()
    except (TypeError, ValueError):  # some builtins have no signature: call them the classic way
        return False
    return any(p.name == "bar_time" or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


def _silent(fraction: float, message: str, bar_time: datetime | None) -> None:
    """Ignore progress."""
