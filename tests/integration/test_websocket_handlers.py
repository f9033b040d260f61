"""The AWS WebSocket path on moto: authorizer, $connect/$disconnect, and the stream pusher end to end."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import boto3
import pytest
from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends
from moto.core import DEFAULT_ACCOUNT_ID

from tests.events import FakeLambdaContext, load_event, load_handler
from tests.integration.conftest import REGION, TABLE, create_resources, queued_job
from tradai.adapters.dynamo_store import DynamoDocumentStore
from tradai.aws_websocket import _container, _sender
from tradai.domain.clock import utc_now
from tradai.domain.jobs import JobStatus
from tradai.services.job_repository import JobRepository
from tradai.services.ws_connections import ConnectionRegistry
from tradai.services.ws_tickets import issue_ticket

JOB_ID = "11111111-2222-4333-8444-555555555555"
OTHER_JOB = "99999999-2222-4333-8444-555555555555"


@pytest.fixture
def aws(aws_env: None) -> DynamoDocumentStore:
    _container.cache_clear()
    _sender.cache_clear()
    create_resources()
    store = DynamoDocumentStore(TABLE, client=boto3.client("dynamodb", region_name=REGION))
    jobs = JobRepository(store)
    for job_id in (JOB_ID, OTHER_JOB):
        jobs.create(queued_job(job_id, created_at=datetime(2026, 1, 1, tzinfo=UTC)))
    return store


def authorizer_event(ticket: str, job_id: str = JOB_ID) -> dict[str, Any]:
    event = load_event("ws_authorizer/connect_request")
    event["queryStringParameters"] = {"job_id": job_id, "ticket": ticket}
    return event


def authorize(event: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = load_handler("ws_authorizer").lambda_handler(event, FakeLambdaContext())
    return result


def effect(result: dict[str, Any]) -> str:
    return str(result["policyDocument"]["Statement"][0]["Effect"])


def connect(connection_id: str, job_id: str = JOB_ID) -> int:
    event = load_event("ws_connect/connect")
    event["requestContext"]["connectionId"] = connection_id
    event["requestContext"]["authorizer"]["job_id"] = job_id
    return int(load_handler("ws_connect").lambda_handler(event, FakeLambdaContext())["statusCode"])


def test_given_fresh_ticket_when_authorized_then_allowed_with_job_and_subject(
    aws: DynamoDocumentStore,
) -> None:
    ticket = issue_ticket(store=aws, subject="alice", job_id=JOB_ID, now=utc_now()).ticket
    result = authorize(authorizer_event(ticket))
    assert effect(result) == "Allow"
    assert result["context"] == {"job_id": JOB_ID, "subject": "alice"}


def test_given_bad_tickets_when_authorized_then_denied(aws: DynamoDocumentStore) -> None:
    # Given a used ticket, an expired one, one for another job, one for an unknown job
    used = issue_ticket(store=aws, subject="alice", job_id=None, now=utc_now()).ticket
    authorize(authorizer_event(used))
    expired = issue_ticket(
        store=aws, subject="alice", job_id=None, now=utc_now() - timedelta(seconds=61)
    ).ticket
    other = issue_ticket(store=aws, subject="alice", job_id=OTHER_JOB, now=utc_now()).ticket
    unknown_job = issue_ticket(store=aws, subject="alice", job_id=None, now=utc_now()).ticket

    # When / Then
    assert effect(authorize(authorizer_event(used))) == "Deny"
    assert effect(authorize(authorizer_event(expired))) == "Deny"
    assert effect(authorize(authorizer_event(other))) == "Deny"
    assert (
        effect(authorize(authorizer_event(unknown_job, job_id="00000000-0000-4000-8000-000000000000")))
        == "Deny"
    )
    assert effect(authorize(authorizer_event(""))) == "Deny"


def test_given_ten_connections_when_an_eleventh_comes_then_refused_until_one_leaves(
    aws: DynamoDocumentStore,
) -> None:
    # Given
    assert [connect(f"conn-{i}") for i in range(10)] == [200] * 10

    # When / Then
    assert connect("conn-10") == 429
    ticket = issue_ticket(store=aws, subject="alice", job_id=JOB_ID, now=utc_now()).ticket
    assert effect(authorize(authorizer_event(ticket))) == "Deny"

    # And when one leaves, there is room again
    event = load_event("ws_disconnect/disconnect")
    event["requestContext"]["connectionId"] = "conn-3"
    assert load_handler("ws_disconnect").lambda_handler(event, FakeLambdaContext())["statusCode"] == 200
    assert connect("conn-10") == 200


def test_given_the_sample_connect_event_when_connected_then_the_stored_connection_expires_in_two_hours(
    aws: DynamoDocumentStore,
) -> None:
    # Given
    event = load_event("ws_connect/connect")
    connection_id = event["requestContext"]["connectionId"]
    before = time.time()

    # When
    status = load_handler("ws_connect").lambda_handler(event, FakeLambdaContext())["statusCode"]
    after = time.time()

    # Then: the raw items carry DynamoDB's TTL attribute, API Gateway's two-hour limit from now, so
    # a lost $disconnect frees the slot by itself
    table = boto3.client("dynamodb", region_name=REGION)
    key = {"pk": {"S": f"CONN#{connection_id}"}, "sk": {"S": "CONN"}}
    connection = table.get_item(TableName=TABLE, Key=key)["Item"]
    slots = table.query(
        TableName=TABLE,
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"WSJOB#{JOB_ID}"}},
    )["Items"]
    two_hours = 2 * 3600
    assert status == 200
    assert connection["job_id"] == {"S": JOB_ID}
    assert int(before) + two_hours <= int(connection["expires_at"]["N"]) <= after + two_hours
    assert [slot["connection_id"] for slot in slots] == [{"S": connection_id}]
    assert [slot["expires_at"] for slot in slots] == [connection["expires_at"]]


def stream_records(store: DynamoDocumentStore) -> list[dict[str, Any]]:
    """Every record of the table's stream so far, as Lambda would receive them."""
    streams = boto3.client("dynamodbstreams", region_name=REGION)
    arn = boto3.client("dynamodb", region_name=REGION).describe_table(TableName=TABLE)["Table"][
        "LatestStreamArn"
    ]
    records: list[dict[str, Any]] = []
    for shard in streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]:
        iterator = streams.get_shard_iterator(
            StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )
        records += streams.get_records(ShardIterator=iterator["ShardIterator"])["Records"]
    return [json.loads(json.dumps(record, default=str)) for record in records]


def moto_connections() -> dict[str, Any]:
    """moto's WebSocket connections, keyed by URL-encoded id (an id may end in `=`)."""
    connections: dict[str, Any] = apigatewaymanagementapi_backends[DEFAULT_ACCOUNT_ID][REGION].connections
    return connections


def moto_connection(connection_id: str) -> Any:
    """moto's record of one connection; a test holding it still reads its data once it is deleted."""
    return moto_connections()[quote(connection_id, safe="")]


def messages(connection: Any) -> list[dict[str, Any]]:
    data: bytes = connection.data
    return [json.loads(line) for line in data.decode().replace("}{", "}\n{").splitlines()]


def sent_to(connection_id: str) -> list[dict[str, Any]]:
    return messages(moto_connection(connection_id))


def test_given_watchers_when_job_progresses_then_only_its_watchers_get_the_message(
    aws: DynamoDocumentStore,
) -> None:
    # Given two watchers of the job and one of another job
    registry = ConnectionRegistry(aws)
    for connection_id, job_id in (("a1", JOB_ID), ("a2", JOB_ID), ("b1", OTHER_JOB)):
        registry.open(connection_id=connection_id, job_id=job_id, subject="alice", now=utc_now())
    jobs = JobRepository(aws)
    jobs.transition(JOB_ID, JobStatus.RUNNING, at=utc_now())
    jobs.record_progress(JOB_ID, at=utc_now(), changes={"progress": {"current": 50, "total": 100}})

    # When the stream delivers the table's changes to the pusher
    response = load_handler("stream_pusher").lambda_handler(
        {"Records": stream_records(aws)}, FakeLambdaContext()
    )

    # Then
    assert response == {"batchItemFailures": []}
    last = sent_to("a1")[-1]
    assert last["job_id"] == JOB_ID
    assert last["progress"] == {"current": 50, "total": 100, "percentage": 50.0}
    assert sent_to("a2")[-1] == last
    assert all(message["job_id"] == OTHER_JOB for message in sent_to("b1"))


def test_given_finished_job_when_pushed_then_watchers_are_closed_and_forgotten(
    aws: DynamoDocumentStore,
) -> None:
    registry = ConnectionRegistry(aws)
    registry.open(connection_id="a1", job_id=JOB_ID, subject="alice", now=utc_now())
    JobRepository(aws).transition(JOB_ID, JobStatus.CANCELLED, at=utc_now())
    load_handler("stream_pusher").lambda_handler({"Records": stream_records(aws)}, FakeLambdaContext())
    assert registry.for_job(JOB_ID) == []


def test_given_a_poison_record_when_pushed_then_only_it_fails(aws: DynamoDocumentStore) -> None:
    # Given the sample record plus one whose job document cannot be read
    good = load_event("stream_pusher/job_update")["Records"][0]
    poison = json.loads(json.dumps(good))
    poison["eventID"] = "poison"
    poison["dynamodb"]["SequenceNumber"] = "222"
    poison["dynamodb"]["NewImage"]["status"] = {"S": "EXPLODED"}

    # When
    response = load_handler("stream_pusher").lambda_handler({"Records": [good, poison]}, FakeLambdaContext())

    # Then
    assert response == {"batchItemFailures": [{"itemIdentifier": "222"}]}


def connection_inserts(store: DynamoDocumentStore) -> list[dict[str, Any]]:
    """The stream records the pusher's second filter passes: connection items created."""
    return [
        record
        for record in stream_records(store)
        if record["eventName"] == "INSERT" and record["dynamodb"]["Keys"]["pk"]["S"].startswith("CONN#")
    ]


def test_given_a_job_that_stays_put_when_a_watcher_connects_then_it_gets_the_current_state(
    aws: DynamoDocumentStore,
) -> None:
    # Given: a job half done, that will not change for a while
    jobs = JobRepository(aws)
    jobs.transition(JOB_ID, JobStatus.RUNNING, at=utc_now())
    jobs.record_progress(JOB_ID, at=utc_now(), changes={"progress": {"current": 50, "total": 100}})

    # When a client connects and the stream brings its connection item to the pusher
    assert connect("late-1") == 200
    response = load_handler("stream_pusher").lambda_handler(
        {"Records": connection_inserts(aws)}, FakeLambdaContext()
    )

    # Then: the current state at once, as the local server sends on connect; the watcher stays
    assert response == {"batchItemFailures": []}
    (greeting,) = sent_to("late-1")
    assert (greeting["job_id"], greeting["status"]) == (JOB_ID, "RUNNING")
    assert greeting["progress"] == {"current": 50, "total": 100, "percentage": 50.0}
    assert [c.connection_id for c in ConnectionRegistry(aws).for_job(JOB_ID)] == ["late-1"]


def test_given_a_finished_job_when_a_watcher_connects_then_final_message_and_closed(
    aws: DynamoDocumentStore,
) -> None:
    # Given: the job finished before the client subscribed
    JobRepository(aws).transition(JOB_ID, JobStatus.CANCELLED, at=utc_now())

    client = moto_connection("late-2")

    # When
    assert connect("late-2") == 200
    load_handler("stream_pusher").lambda_handler({"Records": connection_inserts(aws)}, FakeLambdaContext())

    # Then: the final message, then the connection is closed and its slot freed
    assert [message["status"] for message in messages(client)] == ["CANCELLED"]
    assert quote("late-2", safe="") not in moto_connections()
    assert ConnectionRegistry(aws).for_job(JOB_ID) == []


def test_given_the_sample_connection_event_when_pushed_then_that_connection_is_greeted(
    aws: DynamoDocumentStore,
) -> None:
    # Given: the connection of the sample event, stored as $connect stores it
    event = load_event("stream_pusher/connection_insert")
    connection_id = event["Records"][0]["dynamodb"]["Keys"]["pk"]["S"].removeprefix("CONN#")
    ConnectionRegistry(aws).open(connection_id=connection_id, job_id=JOB_ID, subject="alice", now=utc_now())

    # When
    response = load_handler("stream_pusher").lambda_handler(event, FakeLambdaContext())

    # Then
    assert response == {"batchItemFailures": []}
    assert [message["status"] for message in sent_to(connection_id)] == ["QUEUED"]
