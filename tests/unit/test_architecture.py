"""The package's layering (docs: ARCHITECTURE's arrows), read from the source without importing it.

Arrows point inward: api -> services -> domain/ports; adapters -> ports/domain. Services never
import boto3, sqlite3, arcticdb, mlflow or ccxt (adapters do); configuration comes only through
`tradai.settings`; and no two modules import each other at import time.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

PACKAGE_ROOT = Path(__file__).resolve().parents[2] / "layers" / "tradai" / "python"
STORAGE_AND_VENDOR_LIBRARIES = ("boto3", "botocore", "sqlite3", "arcticdb", "mlflow", "ccxt")
OUTER_LAYERS = ("tradai.api", "tradai.adapters", "tradai.bootstrap", "tradai.cli")
# Passes this process's whole environment (PATH, ...) on to instance processes; reads no setting.
ENVIRONMENT_PASSED_TO_CHILDREN = {"tradai.adapters.process_instances"}


@dataclass(frozen=True)
class Import:
    target: str
    line: int
    at_import_time: bool
    """False inside a function body or an `if TYPE_CHECKING:` block."""
    typing_only: bool
    """Inside an `if TYPE_CHECKING:` block: a name for annotations, never loaded."""


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted((PACKAGE_ROOT / "tradai").rglob("*.py"))}


def _targets(module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        package = module if modules()[module].name == "__init__.py" else module.rpartition(".")[0]
        package = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
        base = f"{package}.{node.module}" if node.module else package
    else:
        base = node.module or ""
    # `from tradai.api import deps` imports the module tradai.api.deps
    return [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules() else base for alias in node.names]


@cache
def imports(module: str) -> tuple[Import, ...]:
    found: list[Import] = []

    def visit(nodes: Iterator[ast.AST] | list[ast.stmt], at_import_time: bool, typing_only: bool) -> None:
        for node in nodes:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                visit(node.body, False, True)
                visit(node.orelse, at_import_time, typing_only)
            elif isinstance(node, ast.Import | ast.ImportFrom):
                found.extend(
                    Import(target, node.lineno, at_import_time, typing_only)
                    for target in _targets(module, node)
                )
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                visit(ast.iter_child_nodes(node), False, typing_only)
            else:
                visit(ast.iter_child_nodes(node), at_import_time, typing_only)

    visit(ast.parse(modules()[module].read_text()).body, True, False)
    return tuple(found)


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(f"{prefix}.") for prefix in prefixes)


def _violations(layer: str, forbidden: tuple[str, ...], *, annotations_too: bool = True) -> list[str]:
    return [
        f"{module}:{found.line} imports {found.target}"
        for module in modules()
        if _within(module, (layer,))
        for found in imports(module)
        if _within(found.target, forbidden) and (annotations_too or not found.typing_only)
    ]


def test_given_package_when_scanned_then_modules_were_found() -> None:
    # A guard for the guards: an empty scan would pass every test below.
    assert {"tradai.settings", "tradai.services.job_repository", "tradai.api.app"} <= set(modules())


@pytest.mark.parametrize("layer", ["tradai.services", "tradai.domain", "tradai.ports", "tradai.engine"])
def test_given_inner_layer_when_imports_read_then_no_storage_or_vendor_library(layer: str) -> None:
    # Given / When: every import, also those inside functions (a lazy import still couples the layer)
    violations = _violations(layer, STORAGE_AND_VENDOR_LIBRARIES)

    # Then
    assert violations == []


@pytest.mark.parametrize("layer", ["tradai.services", "tradai.domain", "tradai.ports", "tradai.engine"])
def test_given_inner_layer_when_imports_read_then_nothing_from_api_adapters_or_composition(
    layer: str,
) -> None:
    # Annotations may name the composition root's Container (services receive one); code may not load it.
    assert _violations(layer, OUTER_LAYERS, annotations_too=False) == []


@pytest.mark.parametrize("layer", ["tradai.domain", "tradai.ports"])
def test_given_domain_and_ports_when_imports_read_then_no_service(layer: str) -> None:
    assert _violations(layer, ("tradai.services",)) == []


def test_given_adapters_when_imports_read_then_never_the_api() -> None:
    assert _violations("tradai.adapters", ("tradai.api",)) == []


def test_given_package_when_read_then_only_settings_reads_the_environment() -> None:
    # Given
    allowed = {"tradai.settings", *ENVIRONMENT_PASSED_TO_CHILDREN}

    # When
    readers = [
        f"{module}:{number}"
        for module, path in modules().items()
        if module not in allowed
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "os.environ" in line or "getenv(" in line
    ]

    # Then
    assert readers == []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph[successor]))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component: list[str] = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(sorted(component))
    return found


def _owning_module(target: str) -> str | None:
    while target and target not in modules():
        target = target.rpartition(".")[0]
    return target or None


def test_given_package_when_import_time_graph_built_then_it_has_no_cycle() -> None:
    # Given: who imports whom when a module loads (lazy and TYPE_CHECKING imports do not count)
    graph = {
        module: {
            owner
            for found in imports(module)
            if found.at_import_time and (owner := _owning_module(found.target)) not in (None, module)
        }
        for module in modules()
    }

    # When
    cycles = _cycles(graph)

    # Then
    assert cycles == []


def test_given_a_cycle_when_searched_then_it_is_found() -> None:
    # The cycle finder itself, on a graph with one loop and a tail.
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
