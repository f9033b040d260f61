"""The one number codec between documents and DynamoDB attribute values.

DynamoDB numbers are decimals. Floats go in as ``Decimal(repr(value))`` (the shortest string
that reads back as the same float, so nothing drifts) and come back as int when integral and
float otherwise. Documents are already checked by `store_rules.normalize_document`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from tradai.adapters.store_rules import decimal_to_number

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_decimals(value: Any) -> Any:
    """Replace every float in a JSON-like value by its exact Decimal."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {name: to_decimals(item) for name, item in value.items()}
    if isinstance(value, list):
        return [to_decimals(item) for item in value]
    return value


def from_decimals(value: Any) -> Any:
    """Replace every Decimal in a value read from DynamoDB by the int or float it stands for."""
    if isinstance(value, Decimal):
        return decimal_to_number(value)
    if isinstance(value, dict):
        return {name: from_decimals(item) for name, item in value.items()}
    if isinstance(value, list | tuple | set):
        return [from_decimals(item) for item in value]
    return value


def serialize(value: Any) -> dict[str, Any]:
    """Turn a JSON-like value into a DynamoDB attribute value (``{"S": ...}``, ``{"M": ...}``, ...)."""
    result: dict[str, Any] = _serializer.serialize(to_decimals(value))
    return result


def serialize_map(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Turn a document into a DynamoDB item map."""
    return {name: serialize(value) for name, value in document.items()}


def deserialize_map(item: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Turn a DynamoDB item map back into a JSON-like document."""
    return {name: from_decimals(_deserializer.deserialize(value)) for name, value in item.items()}
