"""JobExecutor on Step Functions (`TRADAI_RUNTIME=aws`): one execution of the backtest state machine per job.

The execution is named by the job id, so a retried submit cannot start a second run: Step Functions
answers `ExecutionAlreadyExists`, which here means the job is already on its way. Cancel is the
API's conditional CANCELLED transition (done by the caller first) plus `StopExecution`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from tradai.adapters.aws_clients import LazyClient, error_code
from tradai.domain.errors import Unavailable

log = logging.getLogger(__name__)

_ALREADY_STARTED = "ExecutionAlreadyExists"
_BUSY = {"ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded", "ExecutionLimitExceeded"}
"""Refusals that pass with time; botocore's standard retry mode has already backed off on them."""
_BUSY_RETRY_AFTER_SECONDS = 5
_NOTHING_TO_STOP = {"ExecutionDoesNotExist", "ExecutionNotFound"}


class StepFunctionsJobExecutor:
    """Starts and stops executions of `statemachines/backtest.asl.json`."""

    name = "stepfunctions"

    def __init__(
        self,
        *,
        state_machine_arn: str,
        client: Any | None = None,
        client_factory: Callable[[], Any] | None = None,
    ) -> None:
        """Use the state machine `state_machine_arn` through a boto3 Step Functions client.

        Args:
            state_machine_arn: the deployed backtest state machine.
            client: a ready boto3 client (tests pass moto's).
            client_factory: builds the client on first use, keeping boto3 off the cold start.
        """
        self._state_machine_arn = state_machine_arn
        self._client = LazyClient(
            client, client_factory, missing=Unavailable("the Step Functions client is not configured")
        )

    def execution_arn(self, job_id: str) -> str:
        """The ARN of the job's execution (`...:execution:<state machine>:<job id>`)."""
        return f"{self._state_machine_arn.replace(':stateMachine:', ':execution:', 1)}:{job_id}"

    def submit(self, job_id: str) -> None:
        """Start the job's execution; one already started (a retry) counts as started.

        Throttling is retried by the client (botocore standard mode, exponential backoff with
        jitter); what remains after the retries is raised.

        Raises:
            Unavailable: Step Functions refused (access denied, state machine missing, still
                throttling) or could not be reached; `services.job_start` then marks the job FAILED.
        """
        try:
            self._client.get().start_execution(
                stateMachineArn=self._state_machine_arn, name=job_id, input=json.dumps({"job_id": job_id})
            )
        except ClientError as exc:
            code = error_code(exc) or "Unknown"
            if code == _ALREADY_STARTED:
                log.info("execution for job %s already exists; not starting another", job_id)
                return
            if code in _BUSY:
                raise Unavailable(
                    f"Step Functions is throttling StartExecution ({code}) after retries",
                    retry_after_seconds=_BUSY_RETRY_AFTER_SECONDS,
                ) from exc
            raise Unavailable(f"Step Functions refused StartExecution: {code}: {_message(exc)}") from exc
        except BotoCoreError as exc:
            raise Unavailable(f"Step Functions could not be reached: {exc}") from exc

    def cancel(self, job_id: str) -> None:
        """Stop the job's execution (the job is already CANCELLED).

        A failure to stop is logged, not raised: the cancellation is recorded, and a worker still
        running stops at its next progress write, which the CANCELLED status refuses.
        """
        try:
            self._client.get().stop_execution(
                executionArn=self.execution_arn(job_id), error="Cancelled", cause="cancelled through the API"
            )
        except ClientError as exc:
            if error_code(exc) not in _NOTHING_TO_STOP:
                log.warning("could not stop the execution of job %s: %s", job_id, error_code(exc))
        except BotoCoreError as exc:
            log.warning("could not reach Step Functions to stop job %s: %s", job_id, exc)


def _message(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Message", ""))
