"""Lambda step `Aggregate` of the backtest state machine: merge the chunks and complete the job."""

from tradai.backtest_steps import aggregate, prime
from tradai.lambda_events import step_handler

lambda_handler = step_handler(aggregate, prime=prime)
