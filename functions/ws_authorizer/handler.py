"""Lambda REQUEST authorizer of the WebSocket API's `$connect` (ticket, job, connection limit)."""

from tradai.aws_websocket import authorize, prime
from tradai.lambda_events import event_handler

lambda_handler = event_handler(authorize, prime=prime)
