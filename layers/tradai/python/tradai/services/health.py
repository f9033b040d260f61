"""Health: probe every dependency for real and say whether the service can do its work."""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass

from tradai.domain.errors import TradaiError
from tradai.ports import HealthProbe

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckResult:
    """The outcome of probing one dependency."""

    status: str  # "ok" or "error"
    adapter: str
    latency_ms: float
    detail: str | None = None


@dataclass(frozen=True)
class HealthReport:
    """The service's health: healthy only when every check is ok."""

    healthy: bool
    checks: dict[str, CheckResult]


def check_health(*, probes: Mapping[str, HealthProbe]) -> HealthReport:
    """Ping each probe once and collect the results.

    A failing probe never raises: it is reported as an error with its reason.
    """
    checks = {name: _probe(name, probe) for name, probe in probes.items()}
    return HealthReport(healthy=all(check.status == "ok" for check in checks.values()), checks=checks)


def _probe(name: str, probe: HealthProbe) -> CheckResult:
    started = time.perf_counter()
    try:
        probe.ping()
    except TradaiError as exc:
        return _failed(name, probe, started, exc.detail)
    except Exception as exc:  # a probe must never take the health route down with it
        log.exception("health probe %s crashed", name)
        return _failed(name, probe, started, f"{type(exc).__name__}: {exc}")
    return CheckResult("ok", probe.name, _elapsed_ms(started))


def _failed(name: str, probe: HealthProbe, started: float, detail: str) -> CheckResult:
    log.warning("health check %s failed: %s", name, detail)
    return CheckResult("error", probe.name, _elapsed_ms(started), detail)


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)
