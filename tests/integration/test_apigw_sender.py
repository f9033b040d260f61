"""The real API Gateway management client behind the connection sender, its answers stubbed by botocore.

moto's management API accepts a post to any connection id, so it cannot say "gone"; botocore's
Stubber gives a real client (request validation, error parsing) the exact error API Gateway sends.
"""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from botocore.stub import Stubber

from tradai.adapters.apigw_sender import ApiGatewayConnectionSender
from tradai.domain.errors import ConnectionGone, Unavailable

ENDPOINT = "https://abc123.execute-api.eu-central-1.amazonaws.com/prod"


@pytest.fixture
def stubbed() -> Iterator[tuple[ApiGatewayConnectionSender, Stubber]]:
    client = boto3.client(
        "apigatewaymanagementapi",
        endpoint_url=ENDPOINT,
        region_name="eu-central-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    with Stubber(client) as stubber:
        yield ApiGatewayConnectionSender(client=client), stubber
        stubber.assert_no_pending_responses()


def test_given_a_live_connection_when_sent_then_the_message_is_posted_as_compact_json(
    stubbed: tuple[ApiGatewayConnectionSender, Stubber],
) -> None:
    # Given
    sender, stubber = stubbed
    stubber.add_response("post_to_connection", {}, {"ConnectionId": "c1", "Data": b'{"status":"RUNNING"}'})

    # When / Then: the stub checks the parameters
    sender.send("c1", {"status": "RUNNING"})


def test_given_a_gone_connection_when_sent_then_connection_gone(
    stubbed: tuple[ApiGatewayConnectionSender, Stubber],
) -> None:
    # Given: what API Gateway answers for a closed connection
    sender, stubber = stubbed
    stubber.add_client_error("post_to_connection", service_error_code="GoneException", http_status_code=410)

    # When / Then
    with pytest.raises(ConnectionGone, match="c1"):
        sender.send("c1", {"status": "RUNNING"})


@pytest.mark.parametrize(
    ("code", "status"),
    [("LimitExceededException", 429), ("ForbiddenException", 403), ("InternalServerError", 500)],
)
def test_given_another_error_when_sent_then_it_is_raised_as_unavailable_not_gone(
    stubbed: tuple[ApiGatewayConnectionSender, Stubber], code: str, status: int
) -> None:
    # Given
    sender, stubber = stubbed
    stubber.add_client_error("post_to_connection", service_error_code=code, http_status_code=status)

    # When / Then: the pusher must not delete a connection that is only throttled or failing
    with pytest.raises(Unavailable) as raised:
        sender.send("c1", {"status": "RUNNING"})
    assert not isinstance(raised.value, ConnectionGone)


def test_given_a_gone_connection_when_closed_then_quiet_and_another_error_raises(
    stubbed: tuple[ApiGatewayConnectionSender, Stubber],
) -> None:
    # Given
    sender, stubber = stubbed
    stubber.add_client_error("delete_connection", service_error_code="GoneException", http_status_code=410)
    stubber.add_client_error(
        "delete_connection", service_error_code="ForbiddenException", http_status_code=403
    )

    # When / Then: closing what is already closed is done; a refusal is not
    sender.close("c1")
    with pytest.raises(Unavailable):
        sender.close("c2")
