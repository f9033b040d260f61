"""DocumentStore on a SQLite file: the local runtime's metadata store.

One table mirrors the DynamoDB single-table design (same key column names, one partial index per
secondary index). WAL mode lets readers run beside a writer; every write runs in a
``BEGIN IMMEDIATE`` transaction that reads, checks the condition and writes under SQLite's
write lock, so conditional writes are atomic across threads and processes.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tradai.adapters import store_rules
from tradai.domain.errors import ConditionFailed, NotFound, StoreUnavailable
from tradai.domain.store import (
    Check,
    Condition,
    Delete,
    IndexKey,
    Key,
    Page,
    Put,
    Record,
    SortKeyRange,
    Update,
    WriteOperation,
)
from tradai.table_design import INDEXES, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE

_TABLE = "items"
_INDEX_COLUMNS = [column for pair in INDEXES.values() for column in pair]
_COLUMNS = [PARTITION_KEY, SORT_KEY, *_INDEX_COLUMNS, TTL_ATTRIBUTE, "doc"]


def _schema() -> list[str]:
    index_columns = ", ".join(f"{column} TEXT" for column in _INDEX_COLUMNS)
    statements = [
        f"CREATE TABLE IF NOT EXISTS {_TABLE} ({PARTITION_KEY} TEXT NOT NULL, {SORT_KEY} TEXT NOT NULL, "
        f"{index_columns}, {TTL_ATTRIBUTE} INTEGER, doc TEXT NOT NULL, "
        f"PRIMARY KEY ({PARTITION_KEY}, {SORT_KEY})) WITHOUT ROWID"
    ]
    for name, (index_pk, index_sk) in INDEXES.items():
        statements.append(
            f"CREATE INDEX IF NOT EXISTS {name} "
            f"ON {_TABLE} ({index_pk}, {index_sk}, {PARTITION_KEY}, {SORT_KEY}) "
            f"WHERE {index_pk} IS NOT NULL AND {index_sk} IS NOT NULL"
        )
    statements.append(
        f"CREATE INDEX IF NOT EXISTS expiry ON {_TABLE} ({TTL_ATTRIBUTE}) WHERE {TTL_ATTRIBUTE} IS NOT NULL"
    )
    return statements


class SqliteDocumentStore:
    """DocumentStore on one SQLite file, safe to share between threads and processes."""

    name = "sqlite"

    def __init__(
        self,
        path: Path,
        *,
        busy_timeout_ms: int = 5000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Open (and create if needed) the store at `path`.

        Args:
            path: the database file; its folder is created.
            busy_timeout_ms: how long a write waits for another writer before `StoreUnavailable`.
            clock: epoch seconds, for TTL; tests pass a fake clock.
        """
        self._path = path
        self._busy_timeout_ms = busy_timeout_ms
        self._clock = clock
        self._local = threading.local()
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._errors_mapped():
            connection = self._connection()
            for statement in _schema():
                connection.execute(statement)

    # --- connections --------------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        # One connection per thread and per process: sqlite3 connections must not cross a fork.
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is None or self._local.pid != os.getpid():
            connection = sqlite3.connect(
                self._path, timeout=self._busy_timeout_ms / 1000, isolation_level=None
            )
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute(f"PRAGMA busy_timeout={int(self._busy_timeout_ms)}")
            self._local.connection = connection
            self._local.pid = os.getpid()
        return connection

    def close(self) -> None:
        """Close this thread's connection (others close when their thread ends)."""
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None

    @contextmanager
    def _errors_mapped(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.OperationalError as exc:
            raise StoreUnavailable(f"SQLite store is unavailable: {exc}") from exc
        except sqlite3.DatabaseError as exc:
            raise StoreUnavailable(f"SQLite store failed: {exc}") from exc

    @contextmanager
    def _write_transaction(self) -> Iterator[sqlite3.Connection]:
        with self._errors_mapped():
            connection = self._connection()
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    # --- health -------------------------------------------------------------------------------

    def ping(self) -> None:
        with self._errors_mapped():
            self._connection().execute(f"SELECT 1 FROM {_TABLE} LIMIT 1").fetchall()

    # --- single-item operations ----------------------------------------------------------------

    def put(self, record: Record, *, condition: Condition | None = None) -> None:
        self.transact([Put(record, condition)])

    def get(self, key: Key) -> Record | None:
        with self._errors_mapped():
            return self._read_live(self._connection(), key)

    def update(self, operation: Update) -> Record:
        with self._write_transaction() as connection:
            return self._apply(connection, operation)  # type: ignore[return-value]

    def delete(self, key: Key, *, condition: Condition | None = None) -> None:
        self.transact([Delete(key, condition)])

    def transact(self, operations: Sequence[WriteOperation]) -> None:
        store_rules.check_transaction(operations)
        with self._write_transaction() as connection:
            for operation in operations:
                self._apply(connection, operation)

    def _apply(self, connection: sqlite3.Connection, operation: WriteOperation) -> Record | None:
        key = store_rules.operation_key(operation)
        store_rules.check_key(key)
        current = self._read_live(connection, key)
        document = current.data if current else None
        if isinstance(operation, Put):
            new_document = store_rules.check_record(operation.record)
            _require(operation.condition, document, key)
            record = Record(key, new_document, operation.record.indexes, operation.record.expires_at)
            self._write(connection, record)
            return record
        if isinstance(operation, Update):
            if current is None:
                raise NotFound(f"no item with key {key.pk}/{key.sk}")
            _require(operation.condition, document, key)
            indexes = {**current.indexes, **operation.indexes}
            record = Record(
                key,
                store_rules.apply_update(current.data, operation),
                {name: value for name, value in indexes.items() if value is not None},
                current.expires_at,
            )
            store_rules.check_record(record)
            self._write(connection, record)
            return record
        if isinstance(operation, Delete):
            _require(operation.condition, document, key)
            connection.execute(
                f"DELETE FROM {_TABLE} WHERE {PARTITION_KEY} = ? AND {SORT_KEY} = ?", (key.pk, key.sk)
            )
            return None
        assert isinstance(operation, Check)
        _require(operation.condition, document, key)
        return None

    def _write(self, connection: sqlite3.Connection, record: Record) -> None:
        index_values: list[str | None] = []
        for name in INDEXES:
            index_key = record.indexes.get(name)
            index_values += [index_key.pk, index_key.sk] if index_key else [None, None]
        placeholders = ", ".join("?" for _ in _COLUMNS)
        connection.execute(
            f"INSERT OR REPLACE INTO {_TABLE} ({', '.join(_COLUMNS)}) VALUES ({placeholders})",
            (
                record.key.pk,
                record.key.sk,
                *index_values,
                record.expires_at,
                json.dumps(record.data, separators=(",", ":")),
            ),
        )

    def _read_live(self, connection: sqlite3.Connection, key: Key) -> Record | None:
        row = connection.execute(
            f"SELECT {', '.join(_COLUMNS)} FROM {_TABLE} WHERE {PARTITION_KEY} = ? AND {SORT_KEY} = ? "
            f"AND ({TTL_ATTRIBUTE} IS NULL OR {TTL_ATTRIBUTE} > ?)",
            (key.pk, key.sk, self._clock()),
        ).fetchone()
        return _record_from_row(row) if row else None

    # --- queries ------------------------------------------------------------------------------

    def query(
        self,
        partition: str,
        *,
        index: str | None = None,
        sk_prefix: str | None = None,
        sk_range: SortKeyRange | None = None,
        descending: bool = False,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page:
        store_rules.check_page_size(limit)
        pk_column, sk_column = _key_columns(index)
        where, params = self._partition_filter(pk_column, sk_column, partition, sk_prefix, sk_range)
        order_columns = [sk_column, PARTITION_KEY, SORT_KEY] if index else [SORT_KEY]
        if cursor is not None:
            start = store_rules.decode_cursor(
                cursor,
                expected_attributes=store_rules.cursor_attributes(index),
                partition=(pk_column, partition),
            )
            comparison = "<" if descending else ">"
            where += (
                f" AND ({', '.join(order_columns)}) {comparison} ({', '.join('?' for _ in order_columns)})"
            )
            params += [start[column] for column in order_columns]
        direction = "DESC" if descending else "ASC"
        order_by = ", ".join(f"{column} {direction}" for column in order_columns)
        with self._errors_mapped():
            rows = (
                self._connection()
                .execute(
                    f"SELECT {', '.join(_COLUMNS)} FROM {_TABLE} WHERE {where} ORDER BY {order_by} LIMIT ?",
                    (*params, limit + 1),
                )
                .fetchall()
            )
        records = [_record_from_row(row) for row in rows[:limit]]
        next_cursor = None
        if len(rows) > limit:
            next_cursor = store_rules.encode_cursor(store_rules.cursor_key(records[-1], index))
        return Page(records, next_cursor)

    def count(self, partition: str, *, index: str | None = None, sk_prefix: str | None = None) -> int:
        store_rules.check_index(index)
        pk_column, sk_column = _key_columns(index)
        where, params = self._partition_filter(pk_column, sk_column, partition, sk_prefix, None)
        with self._errors_mapped():
            (total,) = (
                self._connection().execute(f"SELECT COUNT(*) FROM {_TABLE} WHERE {where}", params).fetchone()
            )
        return int(total)

    def _partition_filter(
        self,
        pk_column: str,
        sk_column: str,
        partition: str,
        sk_prefix: str | None,
        sk_range: SortKeyRange | None,
    ) -> tuple[str, list[Any]]:
        live = f"({TTL_ATTRIBUTE} IS NULL OR {TTL_ATTRIBUTE} > ?)"
        where = f"{pk_column} = ? AND {sk_column} IS NOT NULL AND {live}"
        params: list[Any] = [partition, self._clock()]
        if sk_prefix is not None:
            where += f" AND {sk_column} >= ? AND substr({sk_column}, 1, ?) = ?"
            params += [sk_prefix, len(sk_prefix), sk_prefix]
        if sk_range is not None:
            where += f" AND {sk_column} BETWEEN ? AND ?"
            params += [sk_range.low, sk_range.high]
        return where, params

    def purge_expired(self) -> int:
        """Physically delete expired items (reads already hide them); returns how many went."""
        with self._write_transaction() as connection:
            cursor = connection.execute(f"DELETE FROM {_TABLE} WHERE {TTL_ATTRIBUTE} <= ?", (self._clock(),))
            return cursor.rowcount


def _require(condition: Condition | None, document: dict[str, Any] | None, key: Key) -> None:
    if condition is not None and not condition.matches(document):
        raise ConditionFailed(f"condition failed on {key.pk}/{key.sk}", current=document)


def _key_columns(index: str | None) -> tuple[str, str]:
    store_rules.check_index(index)
    return INDEXES[index] if index else (PARTITION_KEY, SORT_KEY)


def _record_from_row(row: Sequence[Any]) -> Record:
    values = dict(zip(_COLUMNS, row, strict=True))
    indexes = {
        name: IndexKey(values[index_pk], values[index_sk])
        for name, (index_pk, index_sk) in INDEXES.items()
        if values[index_pk] is not None and values[index_sk] is not None
    }
    return Record(
        Key(values[PARTITION_KEY], values[SORT_KEY]),
        json.loads(values["doc"]),
        indexes,
        values[TTL_ATTRIBUTE],
    )
