"""Lambda for the WebSocket API's `$connect` route."""

from tradai.aws_websocket import connect, prime
from tradai.lambda_events import event_handler

lambda_handler = event_handler(connect, prime=prime)
