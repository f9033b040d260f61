"""Load the peer runners from benchmarks/engine.py (a site-packages `benchmarks` package shadows ours)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "engine.py"
_spec = importlib.util.spec_from_file_location("tradai_benchmarks_engine", _PATH)
assert _spec is not None
assert _spec.loader is not None
engine = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = engine
_spec.loader.exec_module(engine)
