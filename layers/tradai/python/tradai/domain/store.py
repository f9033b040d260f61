"""The vocabulary of the document store port: keys, records, conditions, write operations, pages.

Pure data, no I/O. Adapters translate these into SQL or DynamoDB expressions; conditions can
also evaluate themselves against a document, which the SQLite adapter uses inside its
write transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from tradai.table_design import INDEXES

Document = dict[str, Any]

Operator = Literal["eq", "ne", "lt", "le", "gt", "ge", "in", "exists", "not_exists"]


@dataclass(frozen=True, slots=True)
class Key:
    """The primary key of one item."""

    pk: str
    sk: str


@dataclass(frozen=True, slots=True)
class IndexKey:
    """Where an item appears in a secondary index (see `tradai.table_design.INDEXES`)."""

    pk: str
    sk: str


@dataclass(frozen=True, slots=True)
class Record:
    """One stored item: its key, its document, its index entries and an optional expiry.

    The document holds only the model's fields; key attributes live beside it, so a document can
    never clash with the table's key schema.
    """

    key: Key
    data: Document
    indexes: Mapping[str, IndexKey] = field(default_factory=dict)
    expires_at: int | None = None
    """Epoch seconds after which the record reads as absent."""

    def __post_init__(self) -> None:
        unknown = set(self.indexes) - set(INDEXES)
        if unknown:
            raise ValueError(f"unknown index names: {sorted(unknown)}")


# --- conditions -------------------------------------------------------------------------------


class Condition:
    """A predicate over one stored document; combine with `&`."""

    def matches(self, document: Mapping[str, Any] | None) -> bool:
        """Return whether `document` (None when the item is absent) satisfies the condition."""
        raise NotImplementedError

    def __and__(self, other: Condition) -> Condition:
        return AllOf((*_parts(self), *_parts(other)))


def _parts(condition: Condition) -> tuple[Condition, ...]:
    return condition.parts if isinstance(condition, AllOf) else (condition,)


@dataclass(frozen=True, slots=True)
class AllOf(Condition):
    """Every part holds."""

    parts: tuple[Condition, ...]

    def matches(self, document: Mapping[str, Any] | None) -> bool:
        return all(part.matches(document) for part in self.parts)


@dataclass(frozen=True, slots=True)
class ItemExists(Condition):
    """The item exists (and has not expired)."""

    def matches(self, document: Mapping[str, Any] | None) -> bool:
        return document is not None


@dataclass(frozen=True, slots=True)
class ItemAbsent(Condition):
    """No live item has this key: the condition of a create-only put."""

    def matches(self, document: Mapping[str, Any] | None) -> bool:
        return document is None


@dataclass(frozen=True, slots=True)
class Comparison(Condition):
    """A test of one top-level attribute of the document, with DynamoDB's semantics.

    As in DynamoDB, every test of a missing attribute is false except `ne` and `not_exists`.
    """

    attribute: str
    operator: Operator
    value: Any = None

    def matches(self, document: Mapping[str, Any] | None) -> bool:
        present = document is not None and self.attribute in document
        if self.operator == "exists":
            return present
        if self.operator == "not_exists":
            return not present
        if not present:
            return self.operator == "ne"
        assert document is not None
        actual = document[self.attribute]
        if self.operator == "in":
            return actual in self.value
        return _compare(actual, self.operator, self.value)


def _compare(actual: Any, operator: Operator, expected: Any) -> bool:
    if operator == "eq":
        return bool(actual == expected)
    if operator == "ne":
        return bool(actual != expected)
    if _is_number(actual) != _is_number(expected) or type(actual) is bool or type(expected) is bool:
        return False  # DynamoDB compares only values of one type; ordering across types is false
    if operator == "lt":
        return bool(actual < expected)
    if operator == "le":
        return bool(actual <= expected)
    if operator == "gt":
        return bool(actual > expected)
    return bool(actual >= expected)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


class Attr:
    """Builds comparisons: `Attr("status").is_in(["QUEUED", "RUNNING"]) & Attr("owner").eq(user)`."""

    def __init__(self, name: str) -> None:
        self.name = name

    def eq(self, value: Any) -> Comparison:
        return Comparison(self.name, "eq", value)

    def ne(self, value: Any) -> Comparison:
        return Comparison(self.name, "ne", value)

    def lt(self, value: Any) -> Comparison:
        return Comparison(self.name, "lt", value)

    def le(self, value: Any) -> Comparison:
        return Comparison(self.name, "le", value)

    def gt(self, value: Any) -> Comparison:
        return Comparison(self.name, "gt", value)

    def ge(self, value: Any) -> Comparison:
        return Comparison(self.name, "ge", value)

    def is_in(self, values: Sequence[Any]) -> Comparison:
        if not values:
            raise ValueError("is_in needs at least one value")
        return Comparison(self.name, "in", tuple(values))

    def exists(self) -> Comparison:
        return Comparison(self.name, "exists")

    def not_exists(self) -> Comparison:
        return Comparison(self.name, "not_exists")


# --- write operations -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Put:
    """Write a whole record, replacing any previous one unless `condition` says otherwise."""

    record: Record
    condition: Condition | None = None


@dataclass(frozen=True, slots=True)
class Update:
    """Change some attributes of an existing record; the record must exist.

    `set` replaces top-level attributes, `remove` deletes them, `add` increments numbers (an absent
    attribute counts as 0), `indexes` moves the record within secondary indexes (None removes it).
    """

    key: Key
    set: Mapping[str, Any] = field(default_factory=dict)
    remove: Sequence[str] = ()
    add: Mapping[str, int | float] = field(default_factory=dict)
    indexes: Mapping[str, IndexKey | None] = field(default_factory=dict)
    condition: Condition | None = None

    def __post_init__(self) -> None:
        touched = [*self.set, *self.remove, *self.add]
        if len(touched) != len(set(touched)):
            raise ValueError("an attribute may appear only once across set, remove and add")
        if not (touched or self.indexes):
            raise ValueError("an update must change something")
        unknown = set(self.indexes) - set(INDEXES)
        if unknown:
            raise ValueError(f"unknown index names: {sorted(unknown)}")


@dataclass(frozen=True, slots=True)
class Delete:
    """Remove a record (a missing record is not an error unless `condition` requires it)."""

    key: Key
    condition: Condition | None = None


@dataclass(frozen=True, slots=True)
class Check:
    """Require a condition on a record inside a transaction without writing it."""

    key: Key
    condition: Condition


WriteOperation = Put | Update | Delete | Check


# --- reads ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SortKeyRange:
    """Inclusive bounds on the sort key, like DynamoDB's BETWEEN."""

    low: str
    high: str


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a query; pass `cursor` back to get the next one (None: no more pages)."""

    records: list[Record]
    cursor: str | None
