"""InstanceRunner on child processes: the local runtime's stand-in for ECS tasks.

Each instance is `python -m tradai.cli worker instance --instance-id <id>` (what the Fargate task
runs), in its own session so that stopping the server (Ctrl-C reaches the whole process group) does
not stop it, with stdout and stderr appended to `<data dir>/instances/<id>/instance.log`.

A server restarted later finds its instances again by the pid stored in each record; on Linux the
pid must still run this instance's command line (a pid reused by another program is not mistaken
for it). Processes this server started are reaped here, so they never linger as zombies.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from tradai.adapters.log_lines import lines_since, parse_log_line
from tradai.domain.errors import InvalidInput, Unavailable
from tradai.domain.instances import LogLine, RunnerState, StrategyInstance
from tradai.settings import Settings

LOG_FILE = "instance.log"
_WAIT_STEP_SECONDS = 0.05
_KILL_WAIT_SECONDS = 5.0
_TAIL_BYTES_PER_LINE = 2048


def worker_command(instance_id: str) -> list[str]:
    """The command line of an instance's process."""
    return [sys.executable, "-m", "tradai.cli", "worker", "instance", "--instance-id", instance_id]


def settings_environment(settings: Settings) -> dict[str, str]:
    """`settings` as the `TRADAI_*` variables that rebuild them in a child process."""
    env: dict[str, str] = {}
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if value is None:
            continue
        env[f"TRADAI_{name.upper()}"] = _env_value(value)
    return env


def _env_value(value: Any) -> str:
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, Path):
        return str(value.resolve())
    if isinstance(value, list | tuple):
        return ",".join(str(item) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class ProcessInstanceRunner:
    """Starts, watches and stops instance processes on this machine."""

    name = "processes"

    def __init__(self, settings: Settings, *, environment: Mapping[str, str] | None = None) -> None:
        """Prepare the runner.

        Args:
            settings: where instances keep logs, and what each child process is configured with.
            environment: the base environment of children (default: this process's).
        """
        self._settings = settings
        self._base_env = dict(os.environ if environment is None else environment)
        self._children: dict[int, subprocess.Popen[bytes]] = {}
        self._lock = threading.Lock()

    def log_path(self, instance_id: str) -> Path:
        """The log file of an instance."""
        return self._settings.instances_dir / instance_id / LOG_FILE

    # --- the InstanceRunner port ----------------------------------------------------------------

    def launch(self, instance: StrategyInstance) -> str:
        path = self.log_path(instance.instance_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        env = {**self._base_env, **settings_environment(self._settings), "PYTHONUNBUFFERED": "1"}
        try:
            with path.open("ab") as log_file:
                process = subprocess.Popen(  # noqa: S603 (our own interpreter and module, no shell)
                    worker_command(instance.instance_id),
                    stdin=subprocess.DEVNULL,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                    env=env,
                    start_new_session=True,
                )
        except OSError as exc:
            raise Unavailable(f"cannot start the instance process: {exc}") from exc
        with self._lock:
            self._children[process.pid] = process
        return f"pid:{process.pid}"

    def states(self, instances: Sequence[StrategyInstance]) -> dict[str, RunnerState]:
        return {instance.instance_id: self.state(instance) for instance in instances}

    def state(self, instance: StrategyInstance) -> RunnerState:
        pid = _pid(instance)
        with self._lock:
            child = self._children.get(pid)
        if child is not None:
            code = child.poll()
            if code is None:
                return RunnerState(alive=True)
            return RunnerState(alive=False, exit_code=code, detail=_exit_detail(code))
        if _runs_instance(pid, instance.instance_id):
            return RunnerState(alive=True)
        return RunnerState(alive=False, detail="the process is gone (it was started by an earlier server)")

    def stop(self, instance: StrategyInstance, *, timeout_seconds: float) -> bool:
        pid = _pid(instance)
        if not self.state(instance).alive:
            return True
        _signal(pid, signal.SIGTERM)
        if self._wait_gone(instance, timeout_seconds):
            return True
        _signal(pid, signal.SIGKILL)
        return self._wait_gone(instance, _KILL_WAIT_SECONDS)

    def logs(self, instance: StrategyInstance, *, limit: int, since: datetime | None = None) -> list[LogLine]:
        path = self.log_path(instance.instance_id)
        if not path.exists():
            return []
        lines = [parse_log_line(raw) for raw in _tail(path, limit if since is None else limit * 20)]
        if since is not None:
            lines = lines_since(lines, since)
        return lines[-limit:]

    # --- internals ------------------------------------------------------------------------------

    def _wait_gone(self, instance: StrategyInstance, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while self.state(instance).alive:
            if time.monotonic() >= deadline:
                return False
            time.sleep(_WAIT_STEP_SECONDS)
        return True


def _pid(instance: StrategyInstance) -> int:
    ref = instance.runtime_ref or ""
    if not ref.startswith("pid:") or not ref[4:].isdigit():
        raise InvalidInput(f"instance {instance.instance_id} was not started by the local runner ({ref!r})")
    return int(ref[4:])


def _exit_detail(code: int) -> str:
    if code < 0:
        try:
            return f"exit code {code} ({signal.Signals(-code).name})"
        except ValueError:
            return f"exit code {code}"
    return f"exit code {code}"


def _signal(pid: int, sig: signal.Signals) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        return  # already gone, or no longer ours


def _runs_instance(pid: int, instance_id: str) -> bool:
    """Whether `pid` is alive and (where /proc tells) runs this instance's process."""
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    proc = Path(f"/proc/{pid}")
    if not proc.exists():
        return True  # no /proc (macOS): trust the pid
    try:
        if (proc / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
            return False
        return instance_id.encode() in (proc / "cmdline").read_bytes()
    except (OSError, IndexError):
        return False


def _tail(path: Path, count: int) -> list[str]:
    size = path.stat().st_size
    with path.open("rb") as handle:
        handle.seek(max(0, size - count * _TAIL_BYTES_PER_LINE))
        data = handle.read()
    lines = data.decode("utf-8", errors="replace").splitlines()
    if size > count * _TAIL_BYTES_PER_LINE:
        lines = lines[1:]  # the first line may be cut
    return [line for line in lines if line.strip()][-count:]
