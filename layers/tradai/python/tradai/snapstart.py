"""SnapStart priming: what a function's first request would load, loaded before Lambda's snapshot.

A SnapStart snapshot holds what the function's init imported. What the first request loads (the
X-Ray SDK, the adapters, boto3 and its service models: about as much again as the import itself,
`benchmarks/first_request.py`) would otherwise be loaded again after every restore. Lambda's Python
runtimes ship `snapshot_restore_py`, whose before-snapshot hooks run once per published version.
Hooks are registered only during a SnapStart init (Lambda sets AWS_LAMBDA_INITIALIZATION_TYPE to
`snap-start`): an on-demand cold start, the local server and tests register nothing.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable

from tradai.settings import Settings

logger = logging.getLogger(__name__)


def before_snapshot(settings: Settings, prime: Callable[[], object]) -> bool:
    """Run `prime` before Lambda takes the snapshot; return whether a hook was registered.

    A failing `prime` is logged, never raised: priming only moves work earlier, and a raising hook
    would fail the version's publication.
    """
    if settings.lambda_initialization_type != "snap-start":
        return False
    try:
        hooks = importlib.import_module("snapshot_restore_py")
    except ImportError:
        return False
    hooks.register_before_snapshot(_logging_failures, prime)
    return True


def _logging_failures(prime: Callable[[], object]) -> None:
    try:
        prime()
    except Exception:
        logger.warning("SnapStart priming failed; the first request loads what it needs", exc_info=True)
