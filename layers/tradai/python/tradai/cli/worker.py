"""`tradai worker ...`: run one piece of work in this process (local child processes, Fargate tasks)."""

from __future__ import annotations

import typer

worker_app = typer.Typer(
    help="Run work in this process (what local child processes and Fargate tasks start).",
    no_args_is_help=True,
)


@worker_app.command("instance")
def instance(
    instance_id: str = typer.Option(..., "--instance-id", help="The stored instance to run."),
) -> None:
    """Run a strategy instance (dry-run or live) until it is stopped, its replay ends, or it fails."""
    from tradai.worker import run_instance

    raise typer.Exit(run_instance(instance_id))


@worker_app.command()
def backtest(
    job_id: str = typer.Option(..., "--job-id", help="The RUNNING backtest job."),
    chunk: int = typer.Option(..., "--chunk", min=0, help="Which of the job's planned chunks to run."),
) -> None:
    """Run one chunk of a backtest job (a Fargate task of the state machine); exit 1 if it failed."""
    from tradai.settings import get_settings
    from tradai.worker import run_chunk

    if not run_chunk(job_id, chunk, get_settings()):
        raise typer.Exit(code=1)


@worker_app.command()
def sync(
    job_id: str = typer.Option(..., "--job-id", help="The QUEUED market-data sync job."),
) -> None:
    """Run a background market-data sync job (a Fargate task in AWS); exit 1 if it failed."""
    from tradai.settings import get_settings
    from tradai.worker import run_sync_job

    if not run_sync_job(job_id, get_settings()):
        raise typer.Exit(code=1)


def register(app: typer.Typer) -> None:
    """Add the worker commands to the `tradai` app."""
    app.add_typer(worker_app, name="worker")
