"""Instance log lines: TradAI's JSON log records (or plain text, e.g. a traceback) as `LogLine`s."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from tradai.domain.instances import LogLine


def parse_log_line(raw: str) -> LogLine:
    """A log line: the JSON TradAI writes (time, level, message), or plain text (a traceback)."""
    try:
        record = json.loads(raw)
    except ValueError:
        return LogLine(message=raw)
    if not isinstance(record, dict) or "message" not in record:
        return LogLine(message=raw)
    return LogLine(
        timestamp=_time(record.get("timestamp")), level=record.get("level"), message=str(record["message"])
    )


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def lines_since(lines: list[LogLine], since: datetime) -> list[LogLine]:
    """Lines at or after `since`; a line without a time goes with the timed line before it."""
    since = since if since.tzinfo else since.replace(tzinfo=UTC)
    kept: list[LogLine] = []
    keep = False
    for line in lines:
        if line.timestamp is not None:
            keep = line.timestamp >= since
        if keep:
            kept.append(line)
    return kept
