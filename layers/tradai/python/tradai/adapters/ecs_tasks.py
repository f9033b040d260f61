"""What every ECS adapter does alike: start a worker task with a command.

Strategy instances (`ecs_instances.py`) and background market-data syncs (`ecs_sync_executor.py`)
both run the worker image on the cluster, in the same subnets and security groups.
"""

from __future__ import annotations

from typing import Any

from tradai.adapters.aws_clients import error_code
from tradai.domain.errors import Unavailable
from tradai.settings import Settings


def run_worker_task(
    ecs: Any,
    settings: Settings,
    *,
    task_definition: str,
    command: list[str],
    started_by: str,
    tags: dict[str, str],
    client_token: str | None = None,
) -> str:
    """Start one Fargate task of `task_definition` running `command` in the worker container.

    Args:
        client_token: ECS's idempotency token (up to 64 characters): a RunTask retried with the same
            token (botocore retries one whose answer was lost) starts no second task.

    Returns:
        The task's ARN.

    Raises:
        Unavailable: ECS refused (its failures' reasons are in the message) or could not be reached.
    """
    request: dict[str, Any] = {
        "cluster": settings.ecs_cluster,
        "taskDefinition": task_definition,
        "launchType": "FARGATE",
        "count": 1,
        "startedBy": started_by,
        "overrides": {"containerOverrides": [{"name": settings.instance_container_name, "command": command}]},
        "tags": [{"key": key, "value": value[:256]} for key, value in tags.items()],
    }
    if client_token is not None:
        request["clientToken"] = client_token
    if settings.instance_subnets:
        request["networkConfiguration"] = {
            "awsvpcConfiguration": {
                "subnets": settings.instance_subnets,
                "securityGroups": settings.instance_security_groups,
                "assignPublicIp": "DISABLED",
            }
        }
    try:
        response = ecs.run_task(**request)
    except Exception as error:  # botocore's errors are built at runtime; read their code
        code = error_code(error) or type(error).__name__
        raise Unavailable(f"ECS RunTask failed on cluster {settings.ecs_cluster}: {code}") from error
    tasks = response.get("tasks") or []
    if not tasks:
        reasons = ", ".join(f"{item.get('reason')}" for item in response.get("failures", [])) or "no task"
        raise Unavailable(f"ECS did not start the task: {reasons}")
    return str(tasks[0]["taskArn"])
