"""Splitting a sweep into chunks, ranking merged rows, and progress summed over chunks."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path
from typing import Any

import pytest

from tests.unit.jobs.conftest import new_job
from tradai.adapters.file_blobs import FileBlobStore
from tradai.adapters.sqlite_store import SqliteDocumentStore
from tradai.domain.backtest_spec import BacktestSpec
from tradai.domain.clock import utc_now
from tradai.domain.jobs import JobStatus
from tradai.domain.ranking import infinite_rows, rank_rows, ranking_values
from tradai.services.backtest_chunks import chunk_prefix, merge, split, write_outcome
from tradai.services.chunk_progress import ChunkReporter
from tradai.services.job_repository import JobRepository
from tradai.services.job_worker import JobOutcome

BASE: dict[str, Any] = {
    "strategy_config": {"name": "sma_cross"},
    "date_range": {"start": "2024-01-01T00:00:00Z", "end": "2024-02-01T00:00:00Z"},
}


def sweep(space: dict[str, list[Any]]) -> BacktestSpec:
    return BacktestSpec.model_validate({**BASE, "mode": "sweep", "parameter_space": space})


def product(spec: BacktestSpec) -> list[tuple[Any, ...]]:
    assert spec.parameter_space is not None
    return list(itertools.product(*spec.parameter_space.values()))


def test_given_sweep_when_split_then_chunks_are_contiguous_blocks_of_the_same_order() -> None:
    # Given
    spec = sweep({"fast": [2, 3, 5, 8, 13, 21, 34], "slow": [50, 100, 200]})

    # When
    chunks = split(spec, max_chunks=3, min_sets_per_chunk=1)

    # Then
    assert len(chunks) == 3
    assert [p for chunk in chunks for p in product(chunk)] == product(spec)
    assert all(chunk.mode == "sweep" and chunk.strategy_config == spec.strategy_config for chunk in chunks)


@pytest.mark.parametrize(
    ("max_chunks", "min_sets", "expected"),
    [(40, 50, 1), (40, 7, 3), (2, 1, 2), (40, 1, 7)],
)
def test_given_limits_when_split_then_chunk_count_respects_them(
    max_chunks: int, min_sets: int, expected: int
) -> None:
    spec = sweep({"fast": [2, 3, 5, 8, 13, 21, 34], "slow": [50, 100, 200]})  # 21 sets
    assert len(split(spec, max_chunks=max_chunks, min_sets_per_chunk=min_sets)) == expected


@pytest.mark.parametrize("mode", ["single", "walk_forward", "monte_carlo"])
def test_given_other_modes_when_split_then_one_chunk_the_whole_request(mode: str) -> None:
    # Walk-forward windows carry capital from one to the next, and symbols share capital: never split.
    spec = BacktestSpec.model_validate(
        {
            **BASE,
            "mode": mode,
            "parameter_space": {"fast": list(range(2, 40))},
            "symbols": ["BTC/USDT", "ETH/USDT"],
        }
    )
    assert split(spec, max_chunks=40, min_sets_per_chunk=1) == [spec]


def test_given_rows_when_ranked_then_best_first_nan_last_ties_in_order() -> None:
    rows = [
        {"id": 0, "sharpe": 1.0, "var_95": 0.3},
        {"id": 1, "sharpe": math.nan, "var_95": 0.1},
        {"id": 2, "sharpe": 2.0, "var_95": None},
        {"id": 3, "sharpe": 1.0, "var_95": 0.2},
        {"id": 4, "sharpe": math.inf, "var_95": 0.2},
    ]
    assert [row["id"] for row in rank_rows(rows, "sharpe")] == [4, 2, 0, 3, 1]
    assert [row["id"] for row in rank_rows(rows, "var_95")] == [1, 3, 4, 0, 2]


@pytest.mark.parametrize(
    ("metric", "expected"),
    [("profit_factor", [1, 0, 3, 2, 4]), ("var_95", [2, 3, 0, 1, 4])],
    ids=["higher is better", "lower is better"],
)
def test_given_infinite_values_when_ranked_then_they_are_extremes_and_nan_is_last(
    metric: str, expected: list[int]
) -> None:
    # Given: +inf is a profit factor with no losing trade, the best case
    values = [2.0, math.inf, -math.inf, 1.0, math.nan]
    rows = [{"id": k, metric: value} for k, value in enumerate(values)]

    # When
    ranked = rank_rows(rows, metric)

    # Then
    assert [row["id"] for row in ranked] == expected


def test_given_two_chunks_when_each_reports_then_job_progress_is_their_sum(
    tmp_path: Path,
) -> None:
    # Given
    now = utc_now()  # the progress items expire a week after it, by the store's clock
    store = SqliteDocumentStore(tmp_path / "store.sqlite3")
    jobs = JobRepository(store)
    job = new_job()
    jobs.create(job)
    jobs.transition(job.job_id, JobStatus.RUNNING, at=now)
    first, second = (
        ChunkReporter(
            job_id=job.job_id, store=store, chunk=n, chunks=2, clock=lambda: now, monotonic=lambda: 0.0
        )
        for n in (0, 1)
    )

    # When
    first.progress(500, 1000, message="Loading", force=True)
    second.progress(1, 4, force=True)
    first.progress(1000, 1000, force=True)

    # Then
    stored = jobs.get(job.job_id)
    assert stored.progress is not None
    assert (stored.progress.current, stored.progress.total) == (1250, 2000)
    assert stored.message == "Chunk 1/2: Loading"


def test_given_chunks_whose_tables_hold_infinities_when_merged_then_they_rank_as_the_engine_ranks(
    tmp_path: Path,
) -> None:
    # Given: two chunks' sweep tables as the runner stores them (JSON: +inf written as null); one set
    # has no losing trade (profit factor +inf), one no trade at all (NaN)
    blobs = FileBlobStore(tmp_path / "blobs")
    job = new_job()
    tables = [
        [{"fast": 3, "profit_factor": 1.5}, {"fast": 4, "profit_factor": math.nan}],
        [{"fast": 5, "profit_factor": math.inf}, {"fast": 6, "profit_factor": 0.8}],
    ]
    for chunk, table in enumerate(tables):
        ranked = rank_rows(table, "profit_factor")
        values = [row["profit_factor"] for row in ranked]
        section = {
            "metric": "profit_factor",
            "skipped": 0,
            "infinite": infinite_rows(values),
            "table": [
                {**row, "profit_factor": v if math.isfinite(v) else None}
                for row, v in zip(ranked, values, strict=True)
            ],
        }
        key = f"{chunk_prefix(job.job_id, chunk)}/metrics.json"
        blobs.put(key, json.dumps({"metrics": {}, "sweep": section}).encode())
        write_outcome(
            blobs, job.job_id, chunk, JobOutcome(result={"chunk": chunk}, artifacts={"metrics": key})
        )

    # When
    merged = merge(job, blobs=blobs, chunks=["0", "1"])

    # Then: the +inf set wins and heads the table, the NaN set comes last
    assert merged.result == {"chunk": 1}
    sweep_section = json.loads(blobs.get(merged.artifacts["metrics"]))["sweep"]
    assert [row["fast"] for row in sweep_section["table"]] == [5, 3, 6, 4]
    assert sweep_section["infinite"] == {"+inf": [0], "-inf": []}


def test_given_values_with_infinities_when_listed_and_restored_then_the_same_values() -> None:
    # Given
    values = [math.inf, 2.0, -math.inf, None]

    # When
    section = {"table": [{"m": None if v in (math.inf, -math.inf) else v} for v in values]}
    section["infinite"] = infinite_rows(values)

    # Then
    assert ranking_values(section, "m") == values
