"""InstanceRunner on ECS: each instance is a Fargate task of the worker task definition.

RunTask starts `tradai worker instance --instance-id <id>` (a command override on the worker
container), DescribeTasks tells whether it still runs and how it ended, StopTask stops it (ECS
sends SIGTERM, then SIGKILL after the container's stop timeout), ListTasks backs the health check.
Logs come from CloudWatch Logs, stream `<prefix>/<container>/<task id>` (the awslogs driver's name).
The API's role needs exactly these actions on the cluster and task definition (bugs B2/B3).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from tradai.adapters.aws_clients import LazyClient, error_code
from tradai.adapters.ecs_tasks import run_worker_task
from tradai.adapters.log_lines import lines_since, parse_log_line
from tradai.domain.errors import InvalidInput, Unavailable
from tradai.domain.instances import LogLine, RunnerState, StrategyInstance
from tradai.domain.market import from_ms, to_ms
from tradai.settings import Settings

STARTED_BY = "tradai-instances"
DESCRIBE_TASKS_MAX = 100
"""Task ARNs one DescribeTasks call accepts."""


class EcsInstanceRunner:
    """Runs each instance as an ECS task on Fargate."""

    name = "ecs"

    def __init__(
        self,
        settings: Settings,
        *,
        ecs: Any | None = None,
        logs: Any | None = None,
        ecs_factory: Callable[[], Any] | None = None,
        logs_factory: Callable[[], Any] | None = None,
    ) -> None:
        """Prepare the runner; boto3 clients are given (tests) or built on first use.

        Args:
            settings: cluster, task definition, container, network and log group names.
        """
        self._settings = settings
        self._ecs = LazyClient(ecs, ecs_factory, missing=Unavailable("no ECS client configured"))
        self._logs = LazyClient(
            logs, logs_factory, missing=Unavailable("no CloudWatch Logs client configured")
        )

    def ping(self) -> None:
        """List one task of the cluster: the cheapest call that proves access to it."""
        self._call("ListTasks", lambda ecs: ecs.list_tasks(cluster=self._settings.ecs_cluster, maxResults=1))

    def launch(self, instance: StrategyInstance) -> str:
        ecs = self._ecs.get()
        return run_worker_task(
            ecs,
            self._settings,
            task_definition=self._settings.instance_task_definition,
            command=["tradai", "worker", "instance", "--instance-id", instance.instance_id],
            started_by=STARTED_BY,
            tags={"tradai:instance": instance.instance_id, "tradai:strategy": instance.strategy_name},
        )

    def state(self, instance: StrategyInstance) -> RunnerState:
        return self.states([instance])[instance.instance_id]

    def states(self, instances: Sequence[StrategyInstance]) -> dict[str, RunnerState]:
        """One DescribeTasks per 100 instances (its limit), not one per instance."""
        by_arn = {self._arn(instance): instance.instance_id for instance in instances}
        arns = list(by_arn)
        tasks: dict[str, dict[str, Any]] = {}
        for start in range(0, len(arns), DESCRIBE_TASKS_MAX):
            response = self._call("DescribeTasks", self._describe(arns[start : start + DESCRIBE_TASKS_MAX]))
            tasks.update({task["taskArn"]: task for task in response.get("tasks") or []})
        return {instance_id: self._task_state(tasks.get(arn)) for arn, instance_id in by_arn.items()}

    def _describe(self, arns: list[str]) -> Callable[[Any], dict[str, Any]]:
        return lambda ecs: ecs.describe_tasks(cluster=self._settings.ecs_cluster, tasks=arns)

    def _task_state(self, task: dict[str, Any] | None) -> RunnerState:
        if task is None:
            return RunnerState(alive=False, detail="the ECS task is gone")
        if task.get("lastStatus") != "STOPPED":
            return RunnerState(alive=True)
        containers = [
            c for c in task.get("containers", []) if c.get("name") == self._settings.instance_container_name
        ]
        exit_code = containers[0].get("exitCode") if containers else None
        reason = task.get("stoppedReason") or "the ECS task stopped"
        detail = f"{reason} (exit code {exit_code})" if exit_code is not None else reason
        return RunnerState(alive=False, exit_code=exit_code, detail=detail)

    def stop(self, instance: StrategyInstance, *, timeout_seconds: float) -> bool:
        # ECS applies the grace itself (the container's stopTimeout), so this returns at once.
        arn = self._arn(instance)
        self._call(
            "StopTask",
            lambda ecs: ecs.stop_task(
                cluster=self._settings.ecs_cluster, task=arn, reason="stopped by TradAI"
            ),
        )
        return not self.state(instance).alive

    def logs(self, instance: StrategyInstance, *, limit: int, since: datetime | None = None) -> list[LogLine]:
        settings = self._settings
        task_id = self._arn(instance).rsplit("/", 1)[-1]
        stream = f"{settings.instance_log_stream_prefix}/{settings.instance_container_name}/{task_id}"
        request: dict[str, Any] = {
            "logGroupName": settings.instance_log_group,
            "logStreamName": stream,
            "limit": limit,
            "startFromHead": False,
        }
        if since is not None:
            request["startTime"] = to_ms(since)
        try:
            response = self._logs.get().get_log_events(**request)
        except Exception as error:  # botocore's errors are built at runtime; read their code
            if error_code(error) == "ResourceNotFoundException":
                return []  # the task has not logged yet
            raise Unavailable(f"CloudWatch Logs failed: {error}") from error
        lines = []
        for event in response.get("events", []):
            line = parse_log_line(str(event.get("message", "")).rstrip("\n"))
            if line.timestamp is None and "timestamp" in event:
                line = line.model_copy(update={"timestamp": from_ms(int(event["timestamp"]))})
            lines.append(line)
        return (lines_since(lines, since) if since is not None else lines)[-limit:]

    def _arn(self, instance: StrategyInstance) -> str:
        if not instance.runtime_ref or not instance.runtime_ref.startswith("arn:"):
            raise InvalidInput(
                f"instance {instance.instance_id} does not run on ECS ({instance.runtime_ref!r})"
            )
        return instance.runtime_ref

    def _call(self, action: str, call: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
        try:
            return call(self._ecs.get())
        except Unavailable:
            raise
        except Exception as error:  # botocore's errors are built at runtime; read their code
            code = error_code(error) or type(error).__name__
            raise Unavailable(
                f"ECS {action} failed on cluster {self._settings.ecs_cluster}: {code}"
            ) from error
