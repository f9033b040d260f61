"""Conditions evaluate in-process exactly as DynamoDB would (the SQLite adapter relies on it)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tradai.domain.store import Attr, ItemAbsent, ItemExists, Key, Update


@pytest.mark.parametrize(
    ("condition", "document", "expected"),
    [
        (Attr("n").lt("3"), {"n": 3}, False),  # values of different types never order
        (Attr("n").gt(True), {"n": 3}, False),
        (Attr("n").eq(Decimal("3")), {"n": 3}, True),
        (Attr("n").ne(1), None, True),
        (Attr("n").eq(1), None, False),
        (ItemAbsent(), None, True),
        (ItemExists(), None, False),
        (Attr("a").eq(1) & Attr("b").exists(), {"a": 1}, False),
    ],
)
def test_given_document_when_condition_evaluated_then_dynamodb_semantics(
    condition: object, document: dict[str, object] | None, expected: bool
) -> None:
    assert condition.matches(document) is expected  # type: ignore[attr-defined]


def test_given_update_touching_an_attribute_twice_when_built_then_refused() -> None:
    with pytest.raises(ValueError, match="only once"):
        Update(Key("a", "b"), set={"x": 1}, add={"x": 1})


def test_given_empty_update_when_built_then_refused() -> None:
    with pytest.raises(ValueError, match="change something"):
        Update(Key("a", "b"))
