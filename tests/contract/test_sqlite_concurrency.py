"""The SQLite store is shared by the server and its worker processes: writes must stay atomic."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

from tradai.adapters.sqlite_store import SqliteDocumentStore
from tradai.domain.errors import ConditionFailed
from tradai.domain.store import Attr, ItemAbsent, Key, Record, Update

COUNTER = Key("COUNTER", "1")


def _increment_optimistically(path: str, times: int) -> int:
    """Read-modify-write with a version condition, retrying on conflict; returns the retries."""
    store = SqliteDocumentStore(Path(path))
    retries = 0
    for _ in range(times):
        while True:
            current = store.get(COUNTER)
            assert current is not None
            version = current.data["version"]
            try:
                store.update(
                    Update(
                        COUNTER,
                        set={"version": version + 1, "value": current.data["value"] + 1},
                        condition=Attr("version").eq(version),
                    )
                )
                break
            except ConditionFailed:
                retries += 1
    return retries


def _claim(path: str, worker: int) -> bool:
    store = SqliteDocumentStore(Path(path))
    try:
        store.put(Record(Key("CLAIM", "1"), {"worker": worker}), condition=ItemAbsent())
    except ConditionFailed:
        return False
    return True


def test_given_two_processes_when_both_increment_conditionally_then_no_update_is_lost(tmp_path: Path) -> None:
    # Given
    path = tmp_path / "store.sqlite3"
    SqliteDocumentStore(path).put(Record(COUNTER, {"version": 0, "value": 0}))

    # When two processes each increment 100 times
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        list(pool.map(_increment_optimistically, [str(path)] * 2, [100, 100]))

    # Then every increment landed exactly once
    final = SqliteDocumentStore(path).get(COUNTER)
    assert final is not None
    assert final.data == {"version": 200, "value": 200}


def test_given_many_processes_when_all_claim_one_key_then_exactly_one_wins(tmp_path: Path) -> None:
    # Given
    path = str(tmp_path / "store.sqlite3")
    SqliteDocumentStore(Path(path))

    # When
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool:
        outcomes = list(pool.map(_claim, [path] * 8, range(8)))

    # Then
    assert outcomes.count(True) == 1


def test_given_threads_sharing_one_store_when_adding_then_totals_add_up(tmp_path: Path) -> None:
    # Given
    store = SqliteDocumentStore(tmp_path / "store.sqlite3")
    store.put(Record(COUNTER, {"value": 0}))

    # When 8 threads add 25 each
    def add_many(_: int) -> None:
        for _ in range(25):
            store.update(Update(COUNTER, add={"value": 1}))

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(add_many, range(8)))

    # Then
    assert store.get(COUNTER).data["value"] == 200  # type: ignore[union-attr]
