"""Split a backtest job into chunks that run apart (Fargate tasks), and merge their results.

Only sweeps split. A sweep's parameter sets are the product of the value lists in
`parameter_space`, first parameter slowest, so giving each chunk a contiguous slice of the first
parameter's values gives it a contiguous block of that order. Each chunk runs the ordinary runner
on its block (the block's best set is backtested in full); the merge ranks all rows with the
engine's own rule, so the winner, its artifacts and the table equal a single run's. Symbols stay
together because they share the capital, and walk-forward windows too because each window starts
with the capital the previous one ended with: splitting either would change the result.

Pure Python: the plan and aggregate Lambdas import this without the engine or pandas.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import asdict
from typing import Any

from pydantic import BaseModel

from tradai.domain.backtest_spec import BacktestSpec
from tradai.domain.jobs import BacktestJob
from tradai.domain.ranking import infinite_rows, rank_rows, ranking_values
from tradai.ports import BlobStore
from tradai.services.job_worker import JobOutcome


class ChunkPlan(BaseModel):
    """What one chunk runs: its number, how many there are, and its share of the request."""

    chunk: int
    chunks: int
    spec: BacktestSpec


def chunk_prefix(job_id: str, chunk: int) -> str:
    """Where a chunk's plan, outcome and artifacts live in the blob store."""
    return f"backtests/{job_id}/chunks/{chunk}"


def split(spec: BacktestSpec, *, max_chunks: int, min_sets_per_chunk: int) -> list[BacktestSpec]:
    """The request as chunks; one chunk unless it is a sweep large enough to be worth spreading."""
    space = spec.parameter_space
    if spec.mode != "sweep" or not space:
        return [spec]
    first, values = next(iter(space.items()))
    sets = math.prod(len(column) for column in space.values())
    count = max(1, min(max_chunks, len(values), sets // max(1, min_sets_per_chunk)))
    bounds = [len(values) * k // count for k in range(count + 1)]
    return [
        spec.model_copy(update={"parameter_space": {**space, first: values[start:stop]}})
        for start, stop in itertools.pairwise(bounds)
    ]


def plan_job(job: BacktestJob, *, blobs: BlobStore, max_chunks: int, min_sets_per_chunk: int) -> list[str]:
    """Write each chunk's plan to the blob store; return the chunk ids the state machine maps over."""
    specs = split(
        BacktestSpec.model_validate(job.request), max_chunks=max_chunks, min_sets_per_chunk=min_sets_per_chunk
    )
    for chunk, spec in enumerate(specs):
        plan = ChunkPlan(chunk=chunk, chunks=len(specs), spec=spec)
        blobs.put(f"{chunk_prefix(job.job_id, chunk)}/plan.json", _json(plan.model_dump(mode="json")))
    return [str(chunk) for chunk in range(len(specs))]


def read_plan(blobs: BlobStore, job_id: str, chunk: int) -> ChunkPlan:
    """The plan the planner wrote for one chunk."""
    return ChunkPlan.model_validate_json(blobs.get(f"{chunk_prefix(job_id, chunk)}/plan.json"))


def write_outcome(blobs: BlobStore, job_id: str, chunk: int, outcome: JobOutcome) -> None:
    """Keep a finished chunk's outcome for the aggregate step."""
    blobs.put(f"{chunk_prefix(job_id, chunk)}/outcome.json", _json(asdict(outcome)))


def merge(job: BacktestJob, *, blobs: BlobStore, chunks: list[str]) -> JobOutcome:
    """The job's outcome from its chunks' outcomes: a sweep's tables merged and ranked as one.

    Raises:
        NotFound: a chunk left no outcome (it did not finish).
    """
    outcomes = [_read_outcome(blobs, job.job_id, int(chunk)) for chunk in chunks]
    if len(outcomes) == 1:
        return outcomes[0]
    stored = [json.loads(blobs.get(outcome.artifacts["metrics"])) for outcome in outcomes]
    metric = stored[0]["sweep"]["metric"]
    # JSON keeps no infinities (a table's +inf is null): rank on the values each chunk listed as infinite
    keyed = [
        {metric: value, "_chunk": n, "_row": row}
        for n, document in enumerate(stored)
        for row, value in zip(
            document["sweep"]["table"], ranking_values(document["sweep"], metric), strict=True
        )
    ]
    ranked = rank_rows(keyed, metric)
    best = int(ranked[0]["_chunk"])
    document = {
        **stored[best],
        "sweep": {
            "metric": metric,
            "skipped": sum(int(d["sweep"]["skipped"]) for d in stored),
            "table": [entry["_row"] for entry in ranked],
            "infinite": infinite_rows([entry[metric] for entry in ranked]),
        },
    }
    metrics_key = f"backtests/{job.job_id}/metrics.json"
    blobs.put(metrics_key, _json(document), content_type="application/json")
    winner = outcomes[best]
    return JobOutcome(**{**asdict(winner), "artifacts": {**winner.artifacts, "metrics": metrics_key}})


def _read_outcome(blobs: BlobStore, job_id: str, chunk: int) -> JobOutcome:
    return JobOutcome(**json.loads(blobs.get(f"{chunk_prefix(job_id, chunk)}/outcome.json")))


def _json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), allow_nan=False).encode()
