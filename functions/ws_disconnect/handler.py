"""Lambda for the WebSocket API's `$disconnect` route."""

from tradai.aws_websocket import disconnect, prime
from tradai.lambda_events import event_handler

lambda_handler = event_handler(disconnect, prime=prime)
