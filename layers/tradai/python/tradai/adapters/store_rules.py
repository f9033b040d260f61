"""Rules every DocumentStore adapter applies the same way: document checks, cursors, updates.

Keeping them in one place is what makes the SQLite and DynamoDB adapters refuse, accept and
page through exactly the same things.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from tradai.domain.errors import InvalidCursor, InvalidInput
from tradai.domain.store import Document, Key, Put, Record, Update, WriteOperation
from tradai.table_design import (
    INDEXES,
    KEY_ATTRIBUTES,
    MAX_ITEM_BYTES,
    MAX_TRANSACTION_ITEMS,
    PARTITION_KEY,
    SORT_KEY,
)

MAX_PAGE_SIZE = 1000
_CURSOR_VERSION = 1


def normalize_document(document: Mapping[str, Any]) -> Document:
    """Return a JSON-like copy of `document`, refusing what a store cannot hold faithfully.

    Decimals become int or float; NaN, infinities, and non-JSON types are refused, and so are
    field names reserved for keys. Values must already be JSON-shaped: dump models with
    ``model_dump(mode="json")``.
    """
    reserved = KEY_ATTRIBUTES.intersection(document)
    if reserved:
        raise InvalidInput(f"document fields clash with key attributes: {sorted(reserved)}")
    normalized = _normalize_value(dict(document), path="")
    assert isinstance(normalized, dict)
    return normalized


def _normalize_value(value: Any, *, path: str) -> Any:
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float | Decimal):
        return _finite_number(value, path=path)
    if isinstance(value, Mapping):
        if not all(isinstance(name, str) for name in value):
            raise InvalidInput(f"map keys must be strings at {path or 'document'}")
        return {name: _normalize_value(item, path=f"{path}.{name}") for name, item in value.items()}
    if isinstance(value, list | tuple):
        return [_normalize_value(item, path=f"{path}[{i}]") for i, item in enumerate(value)]
    raise InvalidInput(f"unsupported value of type {type(value).__name__} at {path or 'document'}")


def _finite_number(value: float | Decimal, *, path: str) -> int | float:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InvalidInput(f"non-finite number at {path}")
        return decimal_to_number(value)
    if not math.isfinite(value):
        raise InvalidInput(f"non-finite number at {path}")
    return value


def decimal_to_number(value: Decimal) -> int | float:
    """Turn a stored Decimal back into the int or float it was written as."""
    if value == value.to_integral_value() and value.as_tuple().exponent >= 0:  # type: ignore[operator]
        return int(value)
    return float(value)


def check_record(record: Record) -> Document:
    """Validate a record before a write and return its normalized document."""
    check_key(record.key)
    document = normalize_document(record.data)
    size = len(json.dumps(document, separators=(",", ":")).encode()) + len(record.key.pk) + len(record.key.sk)
    if size > MAX_ITEM_BYTES:
        raise InvalidInput(f"item of {size} bytes exceeds the {MAX_ITEM_BYTES}-byte limit")
    return document


def check_key(key: Key) -> None:
    """Refuse empty or oversized keys, as DynamoDB does."""
    for part, value in (("pk", key.pk), ("sk", key.sk)):
        if not value:
            raise InvalidInput(f"key part {part} must not be empty")
        if len(value.encode()) > 1024:
            raise InvalidInput(f"key part {part} exceeds 1024 bytes")


def check_transaction(operations: Sequence[WriteOperation]) -> None:
    """Refuse an empty, oversized or self-overlapping transaction, as DynamoDB does."""
    if not operations:
        raise InvalidInput("a transaction needs at least one operation")
    if len(operations) > MAX_TRANSACTION_ITEMS:
        raise InvalidInput(f"a transaction holds at most {MAX_TRANSACTION_ITEMS} operations")
    keys = [operation_key(op) for op in operations]
    if len(keys) != len(set(keys)):
        raise InvalidInput("a transaction may touch each item only once")


def operation_key(operation: WriteOperation) -> Key:
    """The key a write operation targets."""
    return operation.record.key if isinstance(operation, Put) else operation.key


def check_page_size(limit: int) -> None:
    """Refuse page sizes outside 1..1000."""
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise InvalidInput(f"limit must be between 1 and {MAX_PAGE_SIZE}")


def check_index(index: str | None) -> None:
    """Refuse index names the table does not have."""
    if index is not None and index not in INDEXES:
        raise InvalidInput(f"unknown index {index!r}")


def apply_update(document: Document, operation: Update) -> Document:
    """Return `document` changed as `operation` says (the in-process twin of an UpdateExpression)."""
    changed = dict(document)
    changed.update(normalize_document(operation.set))
    for name in operation.remove:
        changed.pop(name, None)
    for name, amount in normalize_document(operation.add).items():
        current = changed.get(name, 0)
        if isinstance(current, bool) or not isinstance(current, int | float):
            raise InvalidInput(f"cannot add to non-numeric attribute {name!r}")
        changed[name] = current + amount
    return changed


def encode_cursor(last_key: Mapping[str, str]) -> str:
    """Make an opaque cursor from the key attributes of the last record of a page."""
    payload = json.dumps({"v": _CURSOR_VERSION, "k": dict(last_key)}, separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(
    cursor: str, *, expected_attributes: set[str], partition: tuple[str, str]
) -> dict[str, str]:
    """Read a cursor back, refusing one that this store could not have issued for this query.

    Args:
        cursor: the opaque cursor string.
        expected_attributes: the key attribute names a cursor of this query carries.
        partition: (attribute, value) of the queried partition; a cursor from another one is refused.
    """
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise InvalidCursor("cursor is not valid") from exc
    if not isinstance(payload, dict) or payload.get("v") != _CURSOR_VERSION:
        raise InvalidCursor("cursor is not valid")
    key = payload.get("k")
    if (
        not isinstance(key, dict)
        or set(key) != expected_attributes
        or not all(isinstance(value, str) for value in key.values())
        or key.get(partition[0]) != partition[1]
    ):
        raise InvalidCursor("cursor does not belong to this query")
    return key


def cursor_attributes(index: str | None) -> set[str]:
    """The key attributes a cursor carries: the table's keys, plus the index's for index queries."""
    return {PARTITION_KEY, SORT_KEY, *(INDEXES[index] if index else ())}


def cursor_key(record: Record, index: str | None) -> dict[str, str]:
    """The key attributes of `record` that resume a query right after it."""
    key = {PARTITION_KEY: record.key.pk, SORT_KEY: record.key.sk}
    if index:
        index_pk, index_sk = INDEXES[index]
        entry = record.indexes[index]
        key |= {index_pk: entry.pk, index_sk: entry.sk}
    return key
