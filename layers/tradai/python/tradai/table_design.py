"""The single-table design shared by the DynamoDB adapter, the SQLite adapter and the CDK table.

Both adapters and `cdk/constructs` read these names, so the keys a query uses always match the
table's key schema (bug B6 of seed 000 cannot happen). See docs/data-model.md for the access
patterns. This module has no imports on purpose: CDK code imports it without the package's deps.
"""

from __future__ import annotations

PARTITION_KEY = "pk"
SORT_KEY = "sk"
TTL_ATTRIBUTE = "expires_at"
"""Epoch seconds; an item past it is treated as absent at once and deleted later by DynamoDB TTL."""

# Global secondary indexes: name -> (partition key attribute, sort key attribute). All sparse,
# all projecting every attribute.
INDEXES: dict[str, tuple[str, str]] = {
    "gsi1": ("gsi1pk", "gsi1sk"),
    "gsi2": ("gsi2pk", "gsi2sk"),
}

JOB_PREFIX = "JOB#"
"""Partition key prefix of job items (backtests, syncs): the stream pusher gets their every change."""
CONNECTION_PREFIX = "CONN#"
"""Partition key prefix of WebSocket connection items: the pusher greets each new one (INSERT)."""

KEY_ATTRIBUTES: frozenset[str] = frozenset(
    {PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE} | {name for keys in INDEXES.values() for name in keys}
)
"""Attribute names reserved for keys; documents may not use them as field names."""

MAX_ITEM_BYTES = 400 * 1024
"""DynamoDB's item size limit, enforced by every adapter so local and cloud refuse the same items."""

MAX_TRANSACTION_ITEMS = 100
"""DynamoDB's TransactWriteItems limit."""


def create_table_request(table_name: str) -> dict[str, object]:
    """The boto3 ``create_table`` arguments for this design (tests and local tooling use it).

    The CDK `JobTable` construct declares the same keys from the same constants.
    """
    attributes = [PARTITION_KEY, SORT_KEY, *(name for keys in INDEXES.values() for name in keys)]
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": name, "AttributeType": "S"} for name in attributes],
        "KeySchema": [
            {"AttributeName": PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": SORT_KEY, "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": name,
                "KeySchema": [
                    {"AttributeName": index_pk, "KeyType": "HASH"},
                    {"AttributeName": index_sk, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for name, (index_pk, index_sk) in INDEXES.items()
        ],
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    }
