"""Lambda on an EventBridge schedule: start backtest jobs left QUEUED by a submitter that died."""

from tradai.backtest_steps import prime, sweep_queued
from tradai.lambda_events import event_handler

lambda_handler = event_handler(sweep_queued, correlation_id_path="id", prime=prime)
