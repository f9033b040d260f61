"""The `tradai.settings` fields a function's code reads in AWS, by what it touches.

What a function touches is its `Access` set (cdk/function_table.py); each kind names the settings
its adapters are configured by (the table's name, a bucket, the state machine, the ECS wiring of
strategy instances, MLflow's address). The stacks set these variables on every function whose
access needs them; `tests/infrastructure/test_function_settings.py` parses each synthesized
function's environment with `Settings` itself and checks every field listed here is set.
"""

from __future__ import annotations

from collections.abc import Mapping

from cdk.function_table import Access, FunctionEntry

EVERY_FUNCTION = ("runtime", "environment", "aws_region")
"""`runtime=aws` picks the AWS adapters; the region builds their clients."""
HTTP_FUNCTIONS = ("cors_origins", "cognito_user_pool_id", "cognito_client_ids", "cognito_region")
"""The API app's CORS and its token check (the authorizer's JWT is verified again in the app)."""
WEBSOCKET_FUNCTIONS = ("websocket_url",)
"""Tickets and the WebSocket side name the WebSocket API's URL."""

_SYNC_TASK_SETTINGS = (
    "sync_task_definition",
    "ecs_cluster",
    "instance_container_name",
    "instance_subnets",
    "instance_security_groups",
)

BY_ACCESS: Mapping[Access, tuple[str, ...]] = {
    Access.ITEMS_READ: ("table_name",),
    Access.ITEMS_WRITE: ("table_name",),
    Access.ITEMS_UPDATE: ("table_name",),
    Access.ITEMS_DELETE: ("table_name",),
    Access.QUERY_INDEXES: ("table_name",),
    Access.QUERY_TABLE: ("table_name",),
    Access.ARTIFACTS_LIST: ("artifacts_bucket",),
    Access.ARTIFACTS_READ: ("artifacts_bucket",),
    Access.ARTIFACTS_WRITE: ("artifacts_bucket",),
    Access.MARKET_DATA_READ: ("market_data_bucket",),
    Access.MARKET_DATA_WRITE: ("market_data_bucket",),
    Access.BACKTEST_EXECUTIONS: ("backtest_state_machine_arn",),
    Access.BACKTEST_START: ("backtest_state_machine_arn",),
    # What adapters/ecs_instances.py (with ecs_tasks.py) reads, the secret a live run needs, and the
    # switch the instance policy checks before a live run (routers/instances.py).
    Access.STRATEGY_INSTANCES: (
        "ecs_cluster",
        "instance_task_definition",
        "instance_container_name",
        "instance_subnets",
        "instance_security_groups",
        "instance_log_group",
        "instance_log_stream_prefix",
        "exchange_keys_secret",
        "live_trading",
    ),
    # What adapters/ecs_sync_executor.py and the RunTask request of adapters/ecs_tasks.py read.
    Access.SYNC_TASKS: _SYNC_TASK_SETTINGS,
    Access.SYNC_START: _SYNC_TASK_SETTINGS,
    Access.WEBSOCKET_CONNECTIONS: ("websocket_management_url",),
    Access.MLFLOW_SERVER: ("mlflow_tracking_uri",),
}


def required_settings(entry: FunctionEntry) -> frozenset[str]:
    """The settings fields `entry`'s function must find in its environment."""
    fields = set(EVERY_FUNCTION)
    if entry.routes:
        fields |= set(HTTP_FUNCTIONS)
    if entry.websocket:
        fields |= set(WEBSOCKET_FUNCTIONS)
    for kind in entry.access:
        fields |= set(BY_ACCESS[kind])
    return frozenset(fields)
