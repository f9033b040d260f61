"""Lambda for the WebSocket API's `$disconnect` route."""

from tradai.aws_websocket import disconnect
from tradai.lambda_events import event_handler

lambda_handler = event_handler(disconnect)
