"""JobExecutor of market-data sync jobs on ECS (`TRADAI_RUNTIME=aws`): one Fargate task per sync.

A sync can take far longer than the data Lambda may run, so the Lambda only queues the job and
starts a task of the sync worker definition with `tradai worker sync --job-id <id>`. The task marks
the job RUNNING, reports progress to the job item (DynamoDB Streams push it to WebSocket watchers)
and records the report, exactly as a local worker process does. The task is started by
`tradai-sync/<job id>`, which is how cancel and the lost-worker check find it again without
storing its ARN. The API's role needs RunTask on the sync family, StopTask/ListTasks/DescribeTasks
on the cluster and PassRole for the task's roles (bugs B2/B3).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from tradai.adapters.aws_clients import LazyClient, error_code
from tradai.adapters.ecs_tasks import run_worker_task
from tradai.domain.errors import Unavailable
from tradai.settings import Settings

log = logging.getLogger(__name__)

STARTED_BY_PREFIX = "tradai-sync/"


def started_by(job_id: str) -> str:
    """The `startedBy` of a sync job's task (ECS allows 128 letters, digits, `-`, `_` and `/`)."""
    return f"{STARTED_BY_PREFIX}{job_id}"


class EcsSyncExecutor:
    """Runs each market-data sync job as an ECS task on Fargate."""

    name = "ecs-sync"

    def __init__(
        self,
        settings: Settings,
        *,
        task_definition: str,
        ecs: Any | None = None,
        ecs_factory: Callable[[], Any] | None = None,
    ) -> None:
        """Prepare the executor; the boto3 ECS client is given (tests) or built on first use.

        Args:
            settings: cluster, container name, subnets and security groups of worker tasks.
            task_definition: the sync worker's task definition (family or ARN).
        """
        self._settings = settings
        self._task_definition = task_definition
        self._ecs = LazyClient(ecs, ecs_factory, missing=Unavailable("no ECS client configured"))

    def submit(self, job_id: str) -> None:
        """Start the job's task, unless it has one already: starting is idempotent, as the sweep needs.

        A task found starting or running means the job was started (by its submitter, whose answer
        the sweep never saw); a task found stopped while the job is still QUEUED died before it
        began (an image that cannot be pulled, no capacity), and starting another would likely die
        the same way every sweep, so that is a refusal with ECS's reason. The job id is also the
        RunTask's client token, so a retried RunTask starts no second task.

        Raises:
            Unavailable: ECS refused to start the task or could not be reached, or the job's task
                stopped before it began (the caller marks the job FAILED: nothing will ever run it).
        """
        try:
            running = self._tasks(job_id, desired="RUNNING")
            stopped = None if running else self._stopped_reason(job_id)
        except Exception as error:  # botocore's errors are built at runtime; read their code
            code = error_code(error) or type(error).__name__
            cluster = self._settings.ecs_cluster
            raise Unavailable(f"ECS ListTasks failed on cluster {cluster} ({job_id}): {code}") from error
        if running:
            log.info("sync job %s has its task already: %s", job_id, running[0])
            return
        if stopped is not None:
            raise Unavailable(f"its ECS task stopped before the sync began: {stopped}")
        arn = run_worker_task(
            self._ecs.get(),
            self._settings,
            task_definition=self._task_definition,
            command=["tradai", "worker", "sync", "--job-id", job_id],
            started_by=started_by(job_id),
            tags={"tradai:job": job_id, "tradai:kind": "data_sync"},
            client_token=job_id,
        )
        log.info("started the task of sync job %s: %s", job_id, arn)

    def cancel(self, job_id: str) -> None:
        """Stop the job's task (the job is already CANCELLED).

        A failure to stop is logged, not raised: the cancellation is recorded, and a task still
        running stops at its next progress write, which the CANCELLED status refuses.
        """
        try:
            for arn in self._tasks(job_id, desired="RUNNING"):
                self._ecs.get().stop_task(
                    cluster=self._settings.ecs_cluster, task=arn, reason="sync cancelled through the API"
                )
        except Exception as error:  # botocore's errors are built at runtime; read their code
            log.warning("could not stop the task of sync job %s: %s", job_id, error_code(error) or error)

    def worker_gone(self, job_id: str) -> str | None:
        """Say why no task works on the job any more, or None while one is starting or running.

        Raises:
            Unavailable: ECS could not be asked (the job is then left as it is).
        """
        try:
            if self._tasks(job_id, desired="RUNNING"):
                return None
            stopped = self._stopped_reason(job_id)
        except Exception as error:  # botocore's errors are built at runtime; read their code
            code = error_code(error) or type(error).__name__
            raise Unavailable(f"ECS could not be asked about sync job {job_id}: {code}") from error
        if stopped is None:
            return "no ECS task runs this sync (it never started, or stopped over an hour ago)"
        return f"the ECS task of this sync stopped before finishing it: {stopped}"

    def _stopped_reason(self, job_id: str) -> str | None:
        """ECS's reason a task of the job stopped, or None if it has no stopped task (ECS keeps them ~1 h)."""
        stopped = self._tasks(job_id, desired="STOPPED")
        if not stopped:
            return None
        tasks = self._ecs.get().describe_tasks(cluster=self._settings.ecs_cluster, tasks=stopped[:1])
        found = tasks.get("tasks") or [{}]
        return str(found[0].get("stoppedReason") or "the task stopped")

    def _tasks(self, job_id: str, *, desired: str) -> list[str]:
        response = self._ecs.get().list_tasks(
            cluster=self._settings.ecs_cluster, startedBy=started_by(job_id), desiredStatus=desired
        )
        return [str(arn) for arn in response.get("taskArns", [])]
