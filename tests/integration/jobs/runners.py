"""Job runners for executor tests; the worker processes import them by name."""

from __future__ import annotations

import os
import signal
import time
from typing import Any

from tradai.domain.jobs import BacktestJob
from tradai.services.job_worker import JobOutcome, JobReporter


def quick(job: BacktestJob, reporter: JobReporter, container: Any) -> JobOutcome:
    for step in range(1, 4):
        reporter.progress(step, 3, message=f"step {step}", force=True)
    reporter.trade({"symbol": "BTC/USDT:USDT", "side": "long", "price": 100.0})
    return JobOutcome(result={"total_return": 0.5, "trades_count": 1}, reproducibility={"seed": 7})


def slow(job: BacktestJob, reporter: JobReporter, container: Any) -> JobOutcome:
    for step in range(1200):
        reporter.progress(step, 1200, force=True)  # each write also checks for cancellation
        time.sleep(0.05)
    return JobOutcome(result={})


def hang(job: BacktestJob, reporter: JobReporter, container: Any) -> JobOutcome:
    time.sleep(120)  # never reports: only terminating the process stops it
    return JobOutcome(result={})


def crash(job: BacktestJob, reporter: JobReporter, container: Any) -> JobOutcome:
    raise ValueError("boom")


def die(job: BacktestJob, reporter: JobReporter, container: Any) -> JobOutcome:
    os.kill(os.getpid(), signal.SIGKILL)
    return JobOutcome(result={})
