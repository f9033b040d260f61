"""Lambda on EventBridge: a backtest execution FAILED, TIMED_OUT or ABORTED -> its job FAILED or CANCELLED."""

from tradai.backtest_steps import execution_ended, prime
from tradai.lambda_events import event_handler

lambda_handler = event_handler(execution_ended, correlation_id_path="detail.name", prime=prime)
