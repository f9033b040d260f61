"""DocumentStore on one DynamoDB table (the AWS runtime's metadata store).

The table's key schema comes from `tradai.table_design`, the same constants the CDK table uses.
Expired items (TTL) may linger in DynamoDB for hours, so every read and condition treats an
item past its `expires_at` as absent, exactly as the SQLite adapter does.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from tradai.adapters import dynamo_codec, store_rules
from tradai.adapters.aws_clients import LazyClient, error_code
from tradai.domain.errors import ConditionFailed, InvalidInput, NotFound, StoreUnavailable
from tradai.domain.store import (
    AllOf,
    Check,
    Comparison,
    Condition,
    Delete,
    IndexKey,
    ItemAbsent,
    ItemExists,
    Key,
    Page,
    Put,
    Record,
    SortKeyRange,
    Update,
    WriteOperation,
)
from tradai.table_design import INDEXES, KEY_ATTRIBUTES, PARTITION_KEY, SORT_KEY, TTL_ATTRIBUTE

_UNAVAILABLE_CODES = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "ResourceNotFoundException",
    "LimitExceededException",
}
_CONDITIONAL_CODES = {"ConditionalCheckFailedException", "TransactionCanceledException"}
_COMPARATORS = {"eq": "=", "ne": "<>", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}


class _Expression:
    """Accumulates placeholders for one DynamoDB request's expressions."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.values: dict[str, dict[str, Any]] = {}

    def name(self, attribute: str) -> str:
        placeholder = f"#n{len(self.names)}"
        self.names[placeholder] = attribute
        return placeholder

    def value(self, value: Any) -> str:
        placeholder = f":v{len(self.values)}"
        self.values[placeholder] = dynamo_codec.serialize(value)
        return placeholder

    def request_parts(self) -> dict[str, Any]:
        parts: dict[str, Any] = {}
        if self.names:
            parts["ExpressionAttributeNames"] = self.names
        if self.values:
            parts["ExpressionAttributeValues"] = self.values
        return parts


class DynamoDocumentStore:
    """DocumentStore on a DynamoDB table whose keys follow `tradai.table_design`."""

    name = "dynamodb"

    def __init__(
        self,
        table_name: str,
        *,
        client: Any | None = None,
        client_factory: Callable[[], Any] | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Use `table_name` through a boto3 DynamoDB client.

        Args:
            table_name: the table created by the persistent stack.
            client: a ready boto3 client (tests pass moto's).
            client_factory: builds the client on first use, keeping boto3's import and setup off
                Lambda cold starts; ignored when `client` is given.
            clock: epoch seconds, for TTL.
        """
        self._table = table_name
        self._client = LazyClient(
            client, client_factory, missing=StoreUnavailable("DynamoDB client is not configured")
        )
        self._clock = clock

    @property
    def client(self) -> Any:
        return self._client.get()

    @contextmanager
    def _errors_mapped(self) -> Iterator[None]:
        try:
            yield
        except ClientError as exc:
            code = error_code(exc)
            if code in _CONDITIONAL_CODES:
                raise  # the caller knows which item and operation it was
            message = exc.response.get("Error", {}).get("Message", str(exc))
            if code == "ValidationException":
                raise InvalidInput(f"DynamoDB refused the request: {message}") from exc
            if code in _UNAVAILABLE_CODES:
                raise StoreUnavailable(f"DynamoDB is unavailable: {code}", retry_after_seconds=2) from exc
            raise StoreUnavailable(f"DynamoDB failed: {code}: {message}") from exc
        except BotoCoreError as exc:
            raise StoreUnavailable(f"DynamoDB could not be reached: {exc}") from exc

    def ping(self) -> None:
        with self._errors_mapped():
            self.client.get_item(
                TableName=self._table,
                Key=_key_map(Key("HEALTH", "PING")),
                ProjectionExpression=PARTITION_KEY,
            )

    # --- single-item operations ----------------------------------------------------------------

    def put(self, record: Record, *, condition: Condition | None = None) -> None:
        request = self._put_request(record, condition)
        with self._conditional(record.key, is_update=False), self._errors_mapped():
            self.client.put_item(**request)

    def get(self, key: Key) -> Record | None:
        store_rules.check_key(key)
        with self._errors_mapped():
            response = self.client.get_item(TableName=self._table, Key=_key_map(key), ConsistentRead=True)
        item = response.get("Item")
        return self._live_record(item) if item else None

    def update(self, operation: Update) -> Record:
        request = self._update_request(operation)
        with self._conditional(operation.key, is_update=True), self._errors_mapped():
            response = self.client.update_item(**request, ReturnValues="ALL_NEW")
        return record_from_item(response["Attributes"])

    def delete(self, key: Key, *, condition: Condition | None = None) -> None:
        request = self._delete_request(key, condition)
        with self._conditional(key, is_update=False), self._errors_mapped():
            self.client.delete_item(**request)

    def transact(self, operations: Sequence[WriteOperation]) -> None:
        store_rules.check_transaction(operations)
        items = [self._transact_item(operation) for operation in operations]
        try:
            with self._errors_mapped():
                self.client.transact_write_items(TransactItems=items)
        except ClientError as exc:
            if error_code(exc) != "TransactionCanceledException":
                raise
            self._raise_cancellation(exc, operations)

    def _raise_cancellation(self, error: ClientError, operations: Sequence[WriteOperation]) -> None:
        reasons = error.response.get("CancellationReasons", [])
        for operation, reason in zip(operations, reasons, strict=False):
            if reason.get("Code") != "ConditionalCheckFailed":
                continue
            key = store_rules.operation_key(operation)
            current = self._live_document(reason.get("Item"))
            if isinstance(operation, Update) and current is None:
                raise NotFound(f"no item with key {key.pk}/{key.sk}") from error
            raise ConditionFailed(f"condition failed on {key.pk}/{key.sk}", current=current) from error
        codes = sorted({reason.get("Code", "") for reason in reasons} - {"None"})
        if "TransactionConflict" in codes:
            raise StoreUnavailable(
                "transaction collided with another; retry", retry_after_seconds=1
            ) from error
        raise InvalidInput(f"transaction was refused: {', '.join(codes) or 'unknown reason'}") from error

    @contextmanager
    def _conditional(self, key: Key, *, is_update: bool) -> Iterator[None]:
        """Turn DynamoDB's conditional-check failure into NotFound or ConditionFailed."""
        try:
            yield
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise
            current = self._live_document(exc.response.get("Item"))
            if is_update and current is None:
                raise NotFound(f"no item with key {key.pk}/{key.sk}") from exc
            raise ConditionFailed(f"condition failed on {key.pk}/{key.sk}", current=current) from exc

    # --- requests -----------------------------------------------------------------------------

    def _put_request(self, record: Record, condition: Condition | None) -> dict[str, Any]:
        document = store_rules.check_record(record)
        item = {**dynamo_codec.serialize_map(document), **_key_map(record.key)}
        for name, index_key in record.indexes.items():
            index_pk, index_sk = INDEXES[name]
            item[index_pk] = {"S": index_key.pk}
            item[index_sk] = {"S": index_key.sk}
        if record.expires_at is not None:
            item[TTL_ATTRIBUTE] = {"N": str(int(record.expires_at))}
        return {"TableName": self._table, "Item": item, **self._condition_parts(condition)}

    def _update_request(self, operation: Update) -> dict[str, Any]:
        store_rules.check_key(operation.key)
        expression = _Expression()
        assignments: list[str] = []
        removals: list[str] = []
        additions: list[str] = []
        for name, value in store_rules.normalize_document(operation.set).items():
            assignments.append(f"{expression.name(name)} = {expression.value(value)}")
        for name in operation.remove:
            removals.append(expression.name(name))
        for name, amount in store_rules.normalize_document(operation.add).items():
            additions.append(f"{expression.name(name)} {expression.value(amount)}")
        for index_name, index_key in operation.indexes.items():
            index_pk, index_sk = INDEXES[index_name]
            if index_key is None:
                removals += [expression.name(index_pk), expression.name(index_sk)]
            else:
                assignments.append(f"{expression.name(index_pk)} = {expression.value(index_key.pk)}")
                assignments.append(f"{expression.name(index_sk)} = {expression.value(index_key.sk)}")
        clauses = []
        if assignments:
            clauses.append("SET " + ", ".join(assignments))
        if removals:
            clauses.append("REMOVE " + ", ".join(removals))
        if additions:
            clauses.append("ADD " + ", ".join(additions))
        condition = ItemExists() & operation.condition if operation.condition else ItemExists()
        condition_expression = self._render_live(condition, expression)
        return {
            "TableName": self._table,
            "Key": _key_map(operation.key),
            "UpdateExpression": " ".join(clauses),
            "ConditionExpression": condition_expression,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            **expression.request_parts(),
        }

    def _delete_request(self, key: Key, condition: Condition | None) -> dict[str, Any]:
        store_rules.check_key(key)
        return {"TableName": self._table, "Key": _key_map(key), **self._condition_parts(condition)}

    def _transact_item(self, operation: WriteOperation) -> dict[str, Any]:
        if isinstance(operation, Put):
            return {"Put": self._put_request(operation.record, operation.condition)}
        if isinstance(operation, Update):
            request = self._update_request(operation)
            return {"Update": request}
        if isinstance(operation, Delete):
            return {"Delete": self._delete_request(operation.key, operation.condition)}
        assert isinstance(operation, Check)
        store_rules.check_key(operation.key)
        return {
            "ConditionCheck": {
                "TableName": self._table,
                "Key": _key_map(operation.key),
                **self._condition_parts(operation.condition),
            }
        }

    def _condition_parts(self, condition: Condition | None) -> dict[str, Any]:
        if condition is None:
            return {}
        expression = _Expression()
        rendered = self._render_live(condition, expression)
        return {
            "ConditionExpression": rendered,
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            **expression.request_parts(),
        }

    def _render_live(self, condition: Condition, expression: _Expression) -> str:
        """Render `condition` so that an expired item counts as absent, as in every adapter.

        A condition that holds for an absent item holds for a dead one too; any other condition
        needs a live item first.
        """
        live = (
            f"(attribute_exists({expression.name(PARTITION_KEY)}) AND "
            f"(attribute_not_exists({expression.name(TTL_ATTRIBUTE)}) OR "
            f"{expression.name(TTL_ATTRIBUTE)} > {expression.value(int(self._clock()))}))"
        )
        body = _render(condition, expression)
        if condition.matches(None):
            return f"(NOT {live}) OR ({body})"
        return f"{live} AND ({body})"

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
        request = self._query_request(partition, index, sk_prefix, sk_range)
        request["ScanIndexForward"] = not descending
        if cursor is not None:
            pk_column = INDEXES[index][0] if index else PARTITION_KEY
            start = store_rules.decode_cursor(
                cursor,
                expected_attributes=store_rules.cursor_attributes(index),
                partition=(pk_column, partition),
            )
            request["ExclusiveStartKey"] = {name: {"S": value} for name, value in start.items()}
        # DynamoDB applies Limit before the expiry filter, so keep reading until one record past a
        # full page is seen (or the partition ends): pages then look exactly like SQLite's.
        records: list[Record] = []
        while True:
            with self._errors_mapped():
                response = self.client.query(**request, Limit=limit + 1 - len(records))
            records += [record_from_item(item) for item in response.get("Items", [])]
            last_key = response.get("LastEvaluatedKey")
            if len(records) > limit or not last_key:
                break
            request["ExclusiveStartKey"] = last_key
        if len(records) > limit:
            records = records[:limit]
            return Page(records, store_rules.encode_cursor(store_rules.cursor_key(records[-1], index)))
        return Page(records, None)

    def count(self, partition: str, *, index: str | None = None, sk_prefix: str | None = None) -> int:
        request = self._query_request(partition, index, sk_prefix, None)
        total = 0
        while True:
            with self._errors_mapped():
                response = self.client.query(**request, Select="COUNT")
            total += int(response.get("Count", 0))
            last_key = response.get("LastEvaluatedKey")
            if not last_key:
                return total
            request["ExclusiveStartKey"] = last_key

    def _query_request(
        self, partition: str, index: str | None, sk_prefix: str | None, sk_range: SortKeyRange | None
    ) -> dict[str, Any]:
        store_rules.check_index(index)
        pk_column, sk_column = INDEXES[index] if index else (PARTITION_KEY, SORT_KEY)
        expression = _Expression()
        key_condition = f"{expression.name(pk_column)} = {expression.value(partition)}"
        if sk_prefix is not None:
            key_condition += f" AND begins_with({expression.name(sk_column)}, {expression.value(sk_prefix)})"
        elif sk_range is not None:
            key_condition += (
                f" AND {expression.name(sk_column)} BETWEEN "
                f"{expression.value(sk_range.low)} AND {expression.value(sk_range.high)}"
            )
        ttl, now = expression.name(TTL_ATTRIBUTE), expression.value(int(self._clock()))
        request: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": key_condition,
            "FilterExpression": f"attribute_not_exists({ttl}) OR {ttl} > {now}",
            **expression.request_parts(),
        }
        if sk_prefix is not None and sk_range is not None:
            # DynamoDB takes one sort-key condition; the range joins the filter.
            names, low, high = (
                expression.name(sk_column),
                expression.value(sk_range.low),
                expression.value(sk_range.high),
            )
            request["FilterExpression"] = (
                f"({request['FilterExpression']}) AND {names} BETWEEN {low} AND {high}"
            )
            request.update(expression.request_parts())
        if index:
            request["IndexName"] = index
        else:
            request["ConsistentRead"] = True
        return request

    # --- decoding -----------------------------------------------------------------------------

    def _live_record(self, item: dict[str, Any]) -> Record | None:
        record = record_from_item(item)
        if record.expires_at is not None and record.expires_at <= self._clock():
            return None
        return record

    def _live_document(self, item: dict[str, Any] | None) -> dict[str, Any] | None:
        record = self._live_record(item) if item else None
        return record.data if record else None


def _render(condition: Condition, expression: _Expression) -> str:
    if isinstance(condition, AllOf):
        return " AND ".join(f"({_render(part, expression)})" for part in condition.parts)
    if isinstance(condition, ItemExists):
        return f"attribute_exists({expression.name(PARTITION_KEY)})"
    if isinstance(condition, ItemAbsent):
        return f"attribute_not_exists({expression.name(PARTITION_KEY)})"
    assert isinstance(condition, Comparison)
    if condition.attribute in KEY_ATTRIBUTES:
        raise InvalidInput(f"conditions may not test key attribute {condition.attribute!r}")
    name = expression.name(condition.attribute)
    if condition.operator == "exists":
        return f"attribute_exists({name})"
    if condition.operator == "not_exists":
        return f"attribute_not_exists({name})"
    if condition.operator == "in":
        values = ", ".join(
            expression.value(store_rules.normalize_document({"v": v})["v"]) for v in condition.value
        )
        return f"{name} IN ({values})"
    value = store_rules.normalize_document({"v": condition.value})["v"]
    return f"{name} {_COMPARATORS[condition.operator]} {expression.value(value)}"


def _key_map(key: Key) -> dict[str, dict[str, str]]:
    return {PARTITION_KEY: {"S": key.pk}, SORT_KEY: {"S": key.sk}}


def record_from_item(item: dict[str, Any]) -> Record:
    document = dynamo_codec.deserialize_map(item)
    key = Key(document.pop(PARTITION_KEY), document.pop(SORT_KEY))
    indexes: dict[str, IndexKey] = {}
    for name, (index_pk, index_sk) in INDEXES.items():
        index_pk_value, index_sk_value = document.pop(index_pk, None), document.pop(index_sk, None)
        if index_pk_value is not None and index_sk_value is not None:
            indexes[name] = IndexKey(index_pk_value, index_sk_value)
    expires_at = document.pop(TTL_ATTRIBUTE, None)
    return Record(key, document, indexes, int(expires_at) if expires_at is not None else None)
