"""Find strategies by name among the built-ins and in a user strategies folder; hash their code."""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import sys
import threading
import weakref
from dataclasses import dataclass, field
from pathlib import Path

from tradai.domain.errors import StrategyError, StrategyNotFound
from tradai.engine.strategy import Strategy


def builtin_strategies() -> dict[str, type[Strategy]]:
    """Return the built-in strategy classes by name."""
    from tradai.strategies import BUILTINS

    return {cls.name: cls for cls in BUILTINS}


@dataclass(frozen=True)
class FolderStrategies:
    """What a user strategies folder holds: the strategies of the files that import, and the others.

    Attributes:
        strategies: name -> class, from the files that import.
        broken: file name -> why it does not import (one line), for the lookups that might need it.
    """

    strategies: dict[str, type[Strategy]] = field(default_factory=dict)
    broken: dict[str, str] = field(default_factory=dict)


def folder_strategies(folder: Path) -> FolderStrategies:
    """Return the strategy classes defined in the `*.py` files of `folder` (not recursive).

    A file that fails to import is reported in `broken`, not raised: one bad file must not hide the
    built-ins and the other files' strategies. A file is executed once per content: later lookups
    reuse its module (same classes, no user code run again) until its bytes change.
    """
    found = FolderStrategies()
    if not folder.is_dir():
        return found
    with _LOADING:
        loaded = {path: _load_file(path) for path in sorted(folder.glob("*.py"))}
        _LOADED[folder] = loaded  # only the files there now: a deleted file's module is let go
    for path, module in loaded.items():
        if module.error is not None:
            found.broken[path.name] = module.error
        found.strategies.update(module.strategies)
    return found


@dataclass(frozen=True)
class _LoadedFile:
    """One user file as last executed: its content's sha256, and its strategies or why it failed."""

    digest: str
    strategies: dict[str, type[Strategy]]
    error: str | None = None


_LOADED: dict[Path, dict[Path, _LoadedFile]] = {}
"""folder -> file -> what it held when last executed; a lookup executes only files whose bytes changed."""
_LOADING = threading.RLock()  # the API serves lookups from several threads; a file runs once per change


def _load_file(path: Path) -> _LoadedFile:
    """The strategies of one file: the cached ones when its bytes are those last executed."""
    try:
        source = path.read_bytes()
    except OSError as error:  # deleted or unreadable since the folder was listed
        return _LoadedFile("", {}, f"{type(error).__name__}: {error.strerror or error}")
    digest = hashlib.sha256(source).hexdigest()
    cached = _LOADED.get(path.parent, {}).get(path)
    if cached is not None and cached.digest == digest:
        return cached
    module_name = f"tradai_user_strategies.{path.stem}_{hashlib.sha256(str(path).encode()).hexdigest()[:8]}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None:
        return _LoadedFile(digest, {}, "ImportError: not a Python module file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses and inspect need the module registered
    try:
        # the bytes just hashed, not a second read: the digest is the code that ran; dont_inherit,
        # so the file gets its own __future__ imports, not this module's
        code = compile(source, str(path), "exec", dont_inherit=True)
        exec(code, module.__dict__)  # noqa: S102 - running the user's strategy file is the point
    except Exception as error:  # a user file may raise anything at import
        sys.modules.pop(module_name, None)
        first_line = (str(error).strip().splitlines() or [""])[0]
        return _LoadedFile(digest, {}, f"{type(error).__name__}: {first_line}")
    strategies: dict[str, type[Strategy]] = {}
    for value in vars(module).values():
        if (
            isinstance(value, type)
            and issubclass(value, Strategy)
            and value is not Strategy
            and value.__module__ == module_name
            and value.name
        ):
            strategies[value.name] = value
            _HASHES[value] = digest  # the code hash of exactly what was executed
    return _LoadedFile(digest, strategies)


def available_strategies(strategy_path: Path | None = None) -> dict[str, type[Strategy]]:
    """Return every loadable strategy by name: built-ins, then the user folder (which may not shadow a
    built-in). Files of the folder that fail to import are left out (see `folder_strategies`)."""
    return _lookup(strategy_path)[0]


def _lookup(strategy_path: Path | None) -> tuple[dict[str, type[Strategy]], dict[str, str]]:
    strategies = builtin_strategies()
    broken: dict[str, str] = {}
    if strategy_path is not None:
        folder = folder_strategies(strategy_path)
        for name, cls in folder.strategies.items():
            strategies.setdefault(name, cls)
        broken = folder.broken
    return strategies, broken


def resolve_strategy(strategy: str | type[Strategy], strategy_path: Path | None = None) -> type[Strategy]:
    """Return the strategy class for a name (exact, then case-insensitive) or a class.

    Args:
        strategy: a strategy name or a Strategy subclass.
        strategy_path: the user strategies folder (TRADAI_STRATEGY_PATH), if any.

    Raises:
        StrategyNotFound: no strategy has that name.
        StrategyError: the argument is neither a name nor a Strategy subclass; or no loadable strategy
            has the name and some file of the folder fails to import (the message names it: the
            strategy may be in it).
    """
    if isinstance(strategy, type):
        if not issubclass(strategy, Strategy):
            raise StrategyError(f"{strategy.__name__} is not a Strategy subclass")
        return strategy
    if not isinstance(strategy, str):
        raise StrategyError(f"strategy must be a name or a Strategy class, got {type(strategy).__name__}")
    strategies, broken = _lookup(strategy_path)
    if strategy in strategies:
        return strategies[strategy]
    folded = {name.lower(): cls for name, cls in strategies.items()}
    if strategy.lower() in folded:
        return folded[strategy.lower()]
    if broken:
        files = "; ".join(f"{name}: {why}" for name, why in broken.items())
        raise StrategyError(
            f"no loadable strategy is named {strategy!r}, and cannot load strategies from {files}"
        )
    raise StrategyNotFound(
        f"unknown strategy {strategy!r} (available: {', '.join(sorted(strategies))})", strategy=strategy
    )


_HASHES: weakref.WeakKeyDictionary[type[Strategy], str] = weakref.WeakKeyDictionary()
"""Reading and hashing a file costs more than a small backtest. Weak: the classes of a user file's
earlier content leave with the last run holding them, so edits do not grow it."""


def code_hash(cls: type[Strategy]) -> str:
    """Return the sha256 of the source file of the strategy's module (`sha256sum` of the file).

    The whole module, not the class alone: a strategy's behaviour also lives in the module-level
    helpers and constants it uses. A built-in's module is its file in `tradai/strategies/`, a user
    strategy's the file in the strategies folder.
    """
    if cls not in _HASHES:
        _HASHES[cls] = hashlib.sha256(_module_source(cls)).hexdigest()
    return _HASHES[cls]


def _module_source(cls: type[Strategy]) -> bytes:
    """The bytes of the class's module file; the class source, or its name, when there is no file."""
    try:
        return Path(inspect.getfile(cls)).read_bytes()
    except (OSError, TypeError):  # a class made in a REPL or by exec has no module file
        try:
            return inspect.getsource(cls).encode()
        except (OSError, TypeError):
            return cls.__qualname__.encode()
