"""JobExecutor on local worker processes: the local runtime's stand-in for Step Functions + Fargate.

One process per job, at most `workers` at once, the rest queued in order. A process per job (not a
pool) is what lets cancel really stop a job (terminate its process) and lets a crashed worker be
told apart from a failed job. Processes come from a forkserver that has the worker module
preloaded, so starting one costs milliseconds, not a fresh interpreter's imports.

Nothing is lost across restarts: jobs live in the store, not in this object. On start, jobs left
QUEUED are queued again and jobs left RUNNING (their worker died with the old server) are marked
FAILED with the reason.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections import deque
from multiprocessing.process import BaseProcess
from typing import Any

from tradai.domain.clock import Clock, utc_now
from tradai.domain.errors import Unavailable
from tradai.domain.jobs import BacktestJob, InvalidTransition, JobKind, JobNotFound, JobStatus
from tradai.ports import JobEventPublisher
from tradai.services.job_messages import job_update_message
from tradai.services.job_repository import JobRepository
from tradai.settings import Settings

log = logging.getLogger(__name__)

_POLL_SECONDS = 0.1
_TERMINATE_GRACE_SECONDS = 3.0


class ProcessJobExecutor:
    """Runs each job in its own worker process, `workers` at a time."""

    name = "processes"

    def __init__(
        self,
        *,
        settings: Settings,
        jobs: JobRepository,
        bus: JobEventPublisher | None,
        workers: int,
        runner: str,
        clock: Clock = utc_now,
        start_method: str = "forkserver",
        preload: tuple[str, ...] = (),
    ) -> None:
        """Prepare the executor; nothing runs before `start()`.

        Args:
            settings: passed to each worker so it opens the same stores.
            jobs: the job repository (status transitions).
            bus: where worker events are published for WebSocket watchers.
            workers: how many jobs run at once.
            runner: the job function, ``module:function``, imported in the worker.
            clock: the time written into jobs.
            start_method: multiprocessing start method; forkserver keeps the server's threads out
                of the children.
            preload: modules the forkserver imports once, so every job process starts with them
                (the local server preloads a module that warms the engine up).
        """
        self._settings_values = settings.model_dump(mode="json")
        self._jobs = jobs
        self._bus = bus
        self._workers = max(1, workers)
        self._runner = runner
        self._clock = clock
        self._context: Any = multiprocessing.get_context(start_method)
        if start_method == "forkserver":
            self._context.set_forkserver_preload(["tradai.worker", *preload])
        self._events: Any = self._context.Queue()
        self._pending: deque[str] = deque()
        self._running: dict[str, BaseProcess] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    # --- lifecycle ----------------------------------------------------------------------------

    def start(self) -> None:
        """Recover jobs left by a previous server, then start dispatching."""
        self._recover()
        self._threads = [
            threading.Thread(target=self._dispatch_loop, name="tradai-dispatcher", daemon=True),
            threading.Thread(target=self._listen_loop, name="tradai-job-events", daemon=True),
        ]
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        """Stop dispatching; jobs still running are stopped and marked FAILED (they can be resubmitted)."""
        self._stopping.set()
        self._wake.set()
        with self._lock:
            running = dict(self._running)
        for job_id, process in running.items():
            self._terminate(process)
            self._fail_if_running(job_id, "WORKER_STOPPED", "the server stopped while this job ran")
        self._events.put(None)
        for thread in self._threads:
            thread.join(timeout=5)

    def ping(self) -> None:
        if not self._threads or not all(thread.is_alive() for thread in self._threads):
            raise Unavailable("the job executor is not running")

    # --- the JobExecutor port -------------------------------------------------------------------

    def submit(self, job_id: str) -> None:
        with self._lock:
            if job_id in self._pending or job_id in self._running:
                return  # a replayed submission of a job already held: run it once
            self._pending.append(job_id)
        self._wake.set()

    def cancel(self, job_id: str) -> None:
        with self._lock:
            if job_id in self._pending:
                self._pending.remove(job_id)
            process = self._running.get(job_id)
        if process is not None:
            self._terminate(process)
        self._publish_current(job_id)

    @property
    def running_jobs(self) -> dict[str, int | None]:
        """Job id -> worker pid of the jobs running now."""
        with self._lock:
            return {job_id: process.pid for job_id, process in self._running.items()}

    # --- internals ----------------------------------------------------------------------------

    def _recover(self) -> None:
        for job in self._all_with_status(JobStatus.RUNNING):
            self._fail_if_running(job.job_id, "WORKER_LOST", "the server stopped while this job ran")
        queued = sorted(self._all_with_status(JobStatus.QUEUED), key=lambda job: job.created_at)
        with self._lock:
            self._pending.extend(job.job_id for job in queued if job.job_id not in self._pending)
        if queued:
            log.info("re-queued %d jobs left QUEUED by a previous server", len(queued))

    def _all_with_status(self, status: JobStatus) -> list[BacktestJob]:
        found: list[BacktestJob] = []
        for kind in JobKind:  # the runner handles every kind, so recovery covers every kind
            cursor = None
            while True:
                page = self._jobs.list(status=status, limit=100, cursor=cursor, kind=kind)
                found += page.jobs
                if (cursor := page.cursor) is None:
                    break
        return found

    def _dispatch_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self._reap_finished()
                self._start_pending()
            except Exception:  # the dispatcher must outlive any single bad job or store hiccup
                log.exception("job dispatcher iteration failed")
            self._wake.wait(_POLL_SECONDS)
            self._wake.clear()

    def _start_pending(self) -> None:
        while True:
            with self._lock:
                if len(self._running) >= self._workers or not self._pending:
                    return
                job_id = self._pending.popleft()
            self._start(job_id)

    def _start(self, job_id: str) -> None:
        now = self._clock()
        try:
            job = self._jobs.transition(
                job_id, JobStatus.RUNNING, at=now, changes={"started_at": now.isoformat()}
            )
        except (InvalidTransition, JobNotFound):
            return  # cancelled (or gone) while queued
        from tradai.worker import run_job

        process = self._context.Process(
            target=run_job,
            args=(job_id, self._settings_values, self._runner, self._events),
            name=f"tradai-job-{job_id}",
            daemon=True,
        )
        process.start()
        with self._lock:
            self._running[job_id] = process
        started = self._jobs.record_progress(job_id, at=now, changes={"worker_pid": process.pid})
        self._publish(started or job)

    def _reap_finished(self) -> None:
        with self._lock:
            finished = {job_id: p for job_id, p in self._running.items() if not p.is_alive()}
            for job_id in finished:
                del self._running[job_id]
        for job_id, process in finished.items():
            process.join()
            reason = f"the worker process exited with code {process.exitcode} before finishing the job"
            self._fail_if_running(job_id, "WORKER_DIED", reason)

    def _fail_if_running(self, job_id: str, code: str, message: str) -> None:
        now = self._clock()
        try:
            job = self._jobs.transition(
                job_id,
                JobStatus.FAILED,
                at=now,
                changes={
                    "error": {"code": code, "message": message},
                    "message": message,
                    "completed_at": now.isoformat(),
                },
            )
        except (InvalidTransition, JobNotFound):
            return  # it finished, or was cancelled: nothing was lost
        log.error("job %s failed: %s", job_id, message)
        self._publish(job)

    def _terminate(self, process: BaseProcess) -> None:
        process.terminate()
        process.join(_TERMINATE_GRACE_SECONDS)
        if process.is_alive():
            process.kill()
            process.join()

    def _listen_loop(self) -> None:
        while True:
            item = self._events.get()
            if item is None:
                return
            job_id, message = item
            if self._bus is not None:
                self._bus.publish(job_id, message)

    def _publish_current(self, job_id: str) -> None:
        try:
            self._publish(self._jobs.get(job_id))
        except JobNotFound:
            return

    def _publish(self, job: BacktestJob) -> None:
        if self._bus is not None:
            self._bus.publish(job.job_id, job_update_message(job))
