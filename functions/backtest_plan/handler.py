"""Lambda step `Plan` of the backtest state machine: split the job into chunks written to S3."""

from tradai.backtest_steps import plan, prime
from tradai.lambda_events import step_handler

lambda_handler = step_handler(plan, prime=prime)
