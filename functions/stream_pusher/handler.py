"""Lambda on the table's DynamoDB stream: push job changes to WebSocket watchers (partial batch failures)."""

from tradai.aws_websocket import prime, push_stream_record
from tradai.lambda_events import stream_handler

lambda_handler = stream_handler(push_stream_record, prime=prime)
