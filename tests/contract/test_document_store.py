"""The DocumentStore contract: every adapter must pass every test here."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import BaseModel

from tests.conftest import FakeClock
from tradai.domain.errors import ConditionFailed, InvalidCursor, InvalidInput, NotFound
from tradai.domain.store import (
    Attr,
    Check,
    Delete,
    IndexKey,
    ItemAbsent,
    ItemExists,
    Key,
    Put,
    Record,
    SortKeyRange,
    Update,
)
from tradai.ports import DocumentStore


class Metrics(BaseModel):
    total_return: float
    sharpe_ratio: float | None
    trades_count: int


class Job(BaseModel):
    job_id: str
    status: str
    created_at: datetime
    parameters: dict[str, float | int | str]
    symbols: list[str]
    result: Metrics | None = None


def job_record(job: Job, **extra: object) -> Record:
    return Record(Key(f"JOB#{job.job_id}", "JOB"), job.model_dump(mode="json"), **extra)  # type: ignore[arg-type]


def a_job(job_id: str = "j1", status: str = "QUEUED") -> Job:
    return Job(
        job_id=job_id,
        status=status,
        created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        parameters={"fast": 10, "threshold": 0.1 + 0.2, "mode": "long"},
        symbols=["BTC/USDT:USDT", "ETH/USDT:USDT"],
    )


def test_given_a_model_when_stored_and_read_then_it_validates_back_unchanged(store: DocumentStore) -> None:
    # Given a job with a nested result, floats that are not exact decimals, lists and None
    job = a_job().model_copy(
        update={"result": Metrics(total_return=0.12345678901234567, sharpe_ratio=None, trades_count=42)}
    )

    # When it is stored and read back
    store.put(job_record(job))
    record = store.get(Key("JOB#j1", "JOB"))

    # Then the document is a map, not a JSON string (bug B1), and the model reads it back exactly
    assert record is not None
    assert isinstance(record.data["result"], dict)
    assert Job.model_validate(record.data) == job
    assert record.data["parameters"]["threshold"] == 0.1 + 0.2


def test_given_no_item_when_get_then_none(store: DocumentStore) -> None:
    # Given / When / Then
    assert store.get(Key("JOB#missing", "JOB")) is None


def test_given_existing_item_when_put_if_absent_then_condition_failed_with_current(
    store: DocumentStore,
) -> None:
    # Given
    store.put(job_record(a_job()), condition=ItemAbsent())

    # When
    with pytest.raises(ConditionFailed) as failure:
        store.put(job_record(a_job(status="RUNNING")), condition=ItemAbsent())

    # Then the first write stands and the error shows what was found
    assert failure.value.code == "CONDITION_FAILED"
    assert failure.value.current is not None
    assert failure.value.current["status"] == "QUEUED"
    assert store.get(Key("JOB#j1", "JOB")).data["status"] == "QUEUED"  # type: ignore[union-attr]


def test_given_queued_job_when_transitioned_twice_then_only_first_transition_wins(
    store: DocumentStore,
) -> None:
    # Given
    store.put(job_record(a_job()))
    key = Key("JOB#j1", "JOB")

    # When a cancel and a start both require QUEUED
    store.update(Update(key, set={"status": "CANCELLED"}, condition=Attr("status").eq("QUEUED")))
    with pytest.raises(ConditionFailed) as failure:
        store.update(Update(key, set={"status": "RUNNING"}, condition=Attr("status").eq("QUEUED")))

    # Then exactly one terminal state is stored
    assert failure.value.current is not None
    assert failure.value.current["status"] == "CANCELLED"
    assert store.get(key).data["status"] == "CANCELLED"  # type: ignore[union-attr]


def test_given_item_when_updated_then_set_remove_and_add_apply_and_new_record_returned(
    store: DocumentStore,
) -> None:
    # Given
    store.put(
        Record(Key("C#1", "C"), {"name": "x", "hits": 1, "note": "drop me", "progress": {"current": 0}})
    )

    # When
    updated = store.update(
        Update(
            Key("C#1", "C"),
            set={"progress": {"current": 5, "total": 10}},
            remove=["note"],
            add={"hits": 2, "misses": 1.5},
            condition=Attr("hits").lt(5) & Attr("name").is_in(["x", "y"]),
        )
    )

    # Then
    expected = {"name": "x", "hits": 3, "misses": 1.5, "progress": {"current": 5, "total": 10}}
    assert updated.data == expected
    assert store.get(Key("C#1", "C")).data == expected  # type: ignore[union-attr]


def test_given_no_item_when_updated_then_not_found(store: DocumentStore) -> None:
    with pytest.raises(NotFound):
        store.update(Update(Key("C#none", "C"), set={"a": 1}))


@pytest.mark.parametrize(
    ("condition", "holds"),
    [
        (Attr("n").eq(3), True),
        (Attr("n").ne(3), False),
        (Attr("n").gt(2) & Attr("n").le(3), True),
        (Attr("n").ge(4), False),
        (Attr("s").lt("b"), True),
        (Attr("missing").ne(1), True),
        (Attr("missing").eq(1), False),
        (Attr("missing").not_exists(), True),
        (Attr("s").exists(), True),
        (Attr("s").is_in(["z", "a"]), True),
        (ItemExists(), True),
    ],
)
def test_given_item_when_checked_then_conditions_follow_dynamodb_semantics(
    store: DocumentStore, condition: object, holds: bool
) -> None:
    # Given
    store.put(Record(Key("K", "1"), {"n": 3, "s": "a"}))

    # When
    try:
        store.transact([Check(Key("K", "1"), condition)])  # type: ignore[arg-type]
        held = True
    except ConditionFailed:
        held = False

    # Then
    assert held is holds


def test_given_many_items_when_paged_then_every_item_appears_once_in_order(store: DocumentStore) -> None:
    # Given more items than a page, plus items of another partition and another prefix
    for i in range(23):
        store.put(Record(Key("P", f"JOB#{i:03d}"), {"i": i}))
    store.put(Record(Key("P", "OTHER#1"), {"i": -1}))
    store.put(Record(Key("Q", "JOB#000"), {"i": -2}))

    # When paging with a prefix, 10 at a time
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        page = store.query("P", sk_prefix="JOB#", limit=10, cursor=cursor)
        pages += 1
        seen += [record.data["i"] for record in page.records]
        cursor = page.cursor
        if cursor is None:
            break

    # Then
    assert seen == list(range(23))
    assert pages == 3
    assert store.count("P", sk_prefix="JOB#") == 23


def test_given_exact_page_multiple_when_paged_then_last_page_has_no_cursor(store: DocumentStore) -> None:
    # Given
    for i in range(10):
        store.put(Record(Key("P", f"{i:02d}"), {"i": i}))

    # When
    first = store.query("P", limit=5)
    second = store.query("P", limit=5, cursor=first.cursor)

    # Then
    assert [r.data["i"] for r in second.records] == [5, 6, 7, 8, 9]
    assert second.cursor is None


def test_given_items_when_queried_descending_with_range_then_newest_first(store: DocumentStore) -> None:
    # Given
    for day in range(1, 8):
        store.put(Record(Key("P", f"2026-01-0{day}"), {"day": day}))

    # When
    page = store.query("P", sk_range=SortKeyRange("2026-01-02", "2026-01-05"), descending=True, limit=3)
    rest = store.query(
        "P", sk_range=SortKeyRange("2026-01-02", "2026-01-05"), descending=True, limit=3, cursor=page.cursor
    )

    # Then
    assert [r.data["day"] for r in page.records] == [5, 4, 3]
    assert [r.data["day"] for r in rest.records] == [2]


def test_given_indexed_items_when_index_queried_then_sparse_ordered_and_paged(store: DocumentStore) -> None:
    # Given jobs listed newest first in gsi1, some with equal timestamps, one not indexed
    for i in range(7):
        store.put(
            Record(Key(f"JOB#{i}", "JOB"), {"i": i}, indexes={"gsi1": IndexKey("JOBS", f"2026-01-0{i // 2}")})
        )
    store.put(Record(Key("JOB#x", "JOB"), {"i": 99}))

    # When
    seen: list[int] = []
    cursor = None
    while True:
        page = store.query("JOBS", index="gsi1", descending=True, limit=2, cursor=cursor)
        seen += [record.data["i"] for record in page.records]
        if (cursor := page.cursor) is None:
            break

    # Then
    assert sorted(seen) == list(range(7))
    assert [i // 2 for i in seen] == sorted((i // 2 for i in range(7)), reverse=True)
    assert store.count("JOBS", index="gsi1") == 7


def test_given_indexed_item_when_index_moved_then_queries_follow(store: DocumentStore) -> None:
    # Given
    store.put(
        Record(Key("JOB#1", "JOB"), {"status": "QUEUED"}, indexes={"gsi2": IndexKey("STATUS#QUEUED", "t1")})
    )

    # When
    store.update(
        Update(
            Key("JOB#1", "JOB"), set={"status": "RUNNING"}, indexes={"gsi2": IndexKey("STATUS#RUNNING", "t1")}
        )
    )

    # Then
    assert store.query("STATUS#QUEUED", index="gsi2").records == []
    assert [r.data["status"] for r in store.query("STATUS#RUNNING", index="gsi2").records] == ["RUNNING"]

    # And when removed from the index
    store.update(Update(Key("JOB#1", "JOB"), set={"status": "DONE"}, indexes={"gsi2": None}))
    assert store.query("STATUS#RUNNING", index="gsi2").records == []
    assert store.get(Key("JOB#1", "JOB")).indexes == {}  # type: ignore[union-attr]


def test_given_expiring_item_when_time_passes_then_it_reads_as_absent(
    store: DocumentStore, clock: FakeClock
) -> None:
    # Given a ticket that lives 60 s
    ticket = Record(Key("TICKET#t", "TICKET"), {"job_id": "j"}, expires_at=int(clock.now) + 60)
    store.put(ticket, condition=ItemAbsent())
    assert store.get(ticket.key) is not None

    # When 61 s pass
    clock.advance(61)

    # Then it is gone for reads, queries, counts and conditions alike
    assert store.get(ticket.key) is None
    assert store.query("TICKET#t").records == []
    assert store.count("TICKET#t") == 0
    with pytest.raises(NotFound):
        store.update(Update(ticket.key, set={"used": True}))
    store.put(ticket, condition=ItemAbsent())  # the key can be taken again


def test_given_ticket_when_consumed_atomically_twice_then_second_fails(
    store: DocumentStore, clock: FakeClock
) -> None:
    # Given
    store.put(Record(Key("TICKET#t", "TICKET"), {"job_id": "j"}, expires_at=int(clock.now) + 60))

    # When
    store.delete(Key("TICKET#t", "TICKET"), condition=ItemExists())

    # Then
    with pytest.raises(ConditionFailed):
        store.delete(Key("TICKET#t", "TICKET"), condition=ItemExists())
    store.delete(Key("TICKET#t", "TICKET"))  # unconditional delete of nothing is fine


def test_given_failing_condition_when_transacting_then_nothing_is_written(store: DocumentStore) -> None:
    # Given
    store.put(Record(Key("B#s1", "USDT"), {"reserved": 900, "allocated": 1000}))

    # When one part of the transaction fails
    with pytest.raises(ConditionFailed):
        store.transact(
            [
                Put(Record(Key("ORDER#o1", "ORDER"), {"notional": 200}), condition=ItemAbsent()),
                Update(Key("B#s1", "USDT"), add={"reserved": 200}, condition=Attr("reserved").le(800)),
            ]
        )

    # Then neither part happened
    assert store.get(Key("ORDER#o1", "ORDER")) is None
    assert store.get(Key("B#s1", "USDT")).data["reserved"] == 900  # type: ignore[union-attr]


def test_given_passing_conditions_when_transacting_then_all_parts_apply(store: DocumentStore) -> None:
    # Given
    store.put(Record(Key("B#s1", "USDT"), {"reserved": 100}))
    store.put(Record(Key("OLD", "1"), {"x": 1}))

    # When
    store.transact(
        [
            Put(Record(Key("ORDER#o1", "ORDER"), {"notional": 200}), condition=ItemAbsent()),
            Update(Key("B#s1", "USDT"), add={"reserved": 200}, condition=Attr("reserved").le(800)),
            Delete(Key("OLD", "1"), condition=ItemExists()),
        ]
    )

    # Then
    assert store.get(Key("ORDER#o1", "ORDER")) is not None
    assert store.get(Key("B#s1", "USDT")).data["reserved"] == 300  # type: ignore[union-attr]
    assert store.get(Key("OLD", "1")) is None


def test_given_transaction_updating_missing_item_then_not_found(store: DocumentStore) -> None:
    with pytest.raises(NotFound):
        store.transact([Put(Record(Key("A", "1"), {})), Update(Key("NOPE", "1"), set={"a": 1})])
    assert store.get(Key("A", "1")) is None


@pytest.mark.parametrize(
    "bad_cursor",
    ["not-a-cursor", "eyJ2IjoxfQ", "", "%%%"],
)
def test_given_foreign_cursor_when_querying_then_invalid_cursor(
    store: DocumentStore, bad_cursor: str
) -> None:
    with pytest.raises(InvalidCursor):
        store.query("P", cursor=bad_cursor)


def test_given_cursor_of_another_partition_when_querying_then_invalid_cursor(store: DocumentStore) -> None:
    # Given a cursor issued for partition P
    for i in range(3):
        store.put(Record(Key("P", str(i)), {}))
    cursor = store.query("P", limit=1).cursor
    assert cursor is not None

    # When / Then it cannot be replayed against Q
    with pytest.raises(InvalidCursor):
        store.query("Q", cursor=cursor)


@pytest.mark.parametrize(
    "document",
    [
        {"pk": "clash"},
        {"x": float("nan")},
        {"x": float("inf")},
        {"x": object()},
        {"x": {1: "non-string key"}},
        {"x": "y" * (400 * 1024)},
    ],
)
def test_given_unstorable_document_when_put_then_invalid_input_and_nothing_stored(
    store: DocumentStore, document: dict[str, object]
) -> None:
    with pytest.raises(InvalidInput):
        store.put(Record(Key("BAD", "1"), document))
    assert store.get(Key("BAD", "1")) is None


def test_given_bad_limit_when_querying_then_invalid_input(store: DocumentStore) -> None:
    with pytest.raises(InvalidInput):
        store.query("P", limit=0)
    with pytest.raises(InvalidInput):
        store.query("P", index="no-such-index")


def test_given_a_store_when_pinged_then_it_answers(store: DocumentStore) -> None:
    store.ping()
