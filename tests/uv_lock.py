"""What uv.lock pins for a selection of the project: its dependencies, extras and dependency groups.

The Lambda layer's requirements (tests/infrastructure/test_config.py) and the worker image's
`uv sync` selection (tests/infrastructure/test_worker_image.py) are both checked against it.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
PROJECT = "tradai"


def lock_packages() -> dict[str, list[dict[str, Any]]]:
    """uv.lock's packages by name (a name pinned twice, for different Pythons, has two entries)."""
    lock = tomllib.loads((REPO_ROOT / "uv.lock").read_text())
    packages: dict[str, list[dict[str, Any]]] = {}
    for package in lock["package"]:
        packages.setdefault(package["name"], []).append(package)
    return packages


def locked_closure(*, extras: Iterable[str] = (), groups: Iterable[str] = ()) -> dict[str, str]:
    """Name -> version of every package the project's dependencies (plus `extras` and `groups`) pull in.

    A dependency's own extras count (`pyjwt[crypto]` brings `cryptography`). Markers are not
    evaluated: a name uv.lock pins at two versions (one per Python range) must not be reached.
    """
    packages = lock_packages()
    (project,) = packages[PROJECT]
    pending = list(project["dependencies"])
    for extra in extras:
        pending += project["optional-dependencies"][extra]
    for group in groups:
        pending += project["dev-dependencies"][group]
    found: dict[str, str] = {}
    while pending:
        dependency = pending.pop()
        (package,) = packages[dependency["name"]]
        for extra in dependency.get("extra", []):
            pending += package["optional-dependencies"][extra]
        if dependency["name"] not in found:
            found[dependency["name"]] = package["version"]
            pending += package.get("dependencies", [])
    return found
