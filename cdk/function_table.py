"""Every Lambda of `functions/`: its HTTP routes, what it may touch, its size. One line per function.

Adding a route group is one entry here: the folder name, the route prefixes it serves, its access.
A route is either `"METHOD /path"` (exactly that route) or a bare `"/prefix"`, which becomes
`ANY /prefix` and `ANY /prefix/{proxy+}`; API Gateway picks the most specific route, so a function
may own a deeper path under another's prefix (`/api/v1/strategies/{strategy_id}/instances`).
`tests/infrastructure/test_routes.py` checks every HTTP handler folder is listed and every route of
its routers reaches it.

A function whose routes use the engine's strategy catalog (numpy, numba, pandas), ArcticDB, ccxt or
MLflow runs from the worker image (`image=True`): those packages together are far over Lambda's
250 MB limit for a zip with its layers (docs/decisions.md has the sizes). The others stay on the
zip + layer path with SnapStart. A group whose reads are light but one route is not serves that
route from `engine_routes` (the route's own router module), so its reads keep SnapStart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from aws_cdk import Duration

from cdk.constants import API_PREFIX, IMAGE_FUNCTION_MEMORY_MB


class Access(Enum):
    """What a function's code does with the platform's resources; each maps to IAM statements."""

    ITEMS_READ = "dynamodb:GetItem on the table"
    ITEMS_WRITE = "dynamodb:PutItem, UpdateItem and ConditionCheckItem on the table"
    ITEMS_UPDATE = "dynamodb:UpdateItem on the table (conditional status changes only, no new items)"
    ITEMS_DELETE = "dynamodb:DeleteItem on the table"
    QUERY_INDEXES = "dynamodb:Query on the named indexes"
    QUERY_TABLE = "dynamodb:Query on the table's own partitions"
    ARTIFACTS_LIST = "s3:ListBucket on the artifacts bucket (the health probe)"
    ARTIFACTS_READ = "s3:GetObject on the artifacts bucket"
    ARTIFACTS_WRITE = "s3:PutObject on the artifacts bucket"
    MARKET_DATA_READ = "s3:ListBucket and GetObject on the market-data bucket (ArcticDB)"
    MARKET_DATA_WRITE = "s3:PutObject and DeleteObject on the market-data bucket (ArcticDB)"
    BACKTEST_EXECUTIONS = "states:StartExecution and StopExecution of the backtest state machine"
    BACKTEST_START = "states:StartExecution of the backtest state machine (no stop)"
    STRATEGY_INSTANCES = "ECS RunTask/StopTask/ListTasks/DescribeTasks of instance tasks, their logs"
    SYNC_TASKS = "ECS RunTask/StopTask/ListTasks/DescribeTasks of market-data sync tasks"
    SYNC_START = "ECS RunTask/ListTasks/DescribeTasks of market-data sync tasks (no stop)"
    WEBSOCKET_CONNECTIONS = "execute-api:ManageConnections on the WebSocket API"
    MLFLOW_SERVER = "HTTP to MLflow on the internal ALB: in the VPC's private subnets, admitted by the ALB"


@dataclass(frozen=True, kw_only=True)
class FunctionEntry:
    """One folder under functions/."""

    description: str
    access: frozenset[Access]
    routes: tuple[str, ...] = ()
    """HTTP API routes (see the module docstring); empty for non-HTTP functions."""
    memory_mb: int = 512
    timeout: Duration = field(default_factory=lambda: Duration.seconds(25))
    """Below the HTTP API's 30 s integration limit, so a client gets the function's own error."""
    websocket: bool = False
    """Built in the edge stack next to the WebSocket API, whose URLs it needs."""
    image: bool = False
    """Runs from the worker image (x86_64, no SnapStart) instead of the zip on the shared layer."""


_A = Access
_JOB_ITEMS = frozenset({_A.ITEMS_READ, _A.ITEMS_WRITE})
_READS = frozenset({_A.ITEMS_READ, _A.QUERY_INDEXES, _A.QUERY_TABLE})


def _websocket_hook(description: str, access: frozenset[Access]) -> FunctionEntry:
    """A function the WebSocket API calls on $connect/$disconnect: small, and quick to answer or fail."""
    return FunctionEntry(
        description=description, access=access, memory_mb=256, timeout=Duration.seconds(10), websocket=True
    )


FUNCTIONS: dict[str, FunctionEntry] = {
    "health": FunctionEntry(
        description="GET /api/v1/health: probes the table and the artifacts bucket",
        access=frozenset({_A.ITEMS_READ, _A.ARTIFACTS_LIST}),
        routes=(f"GET {API_PREFIX}/health",),
        memory_mb=256,
        timeout=Duration.seconds(10),
    ),
    "backtests": FunctionEntry(
        description="/api/v1/backtests: list, read and cancel jobs; equity and report data",
        # Executions: cancelling stops the job's execution. Submitting is engine_routes'.
        access=_JOB_ITEMS | {_A.QUERY_INDEXES, _A.ARTIFACTS_READ, _A.BACKTEST_EXECUTIONS},
        routes=(f"{API_PREFIX}/backtests",),
    ),
    "engine_routes": FunctionEntry(
        description="Routes that load the engine: backtest submit, register, create a config, catalog detail",
        # A submission starts the job's execution (cancelling, which stops it, is the backtests
        # function's) and is refused unless the stored bars cover its symbols and dates.
        access=_JOB_ITEMS | {_A.QUERY_INDEXES, _A.QUERY_TABLE, _A.BACKTEST_START, _A.MARKET_DATA_READ},
        routes=(
            f"POST {API_PREFIX}/backtests",
            f"POST {API_PREFIX}/strategies",
            # ANY: another method on these paths is this app's 405, not the light group's 404.
            f"ANY {API_PREFIX}/configs",
            f"ANY {API_PREFIX}/catalog/strategies/{{name}}",
        ),
        memory_mb=IMAGE_FUNCTION_MEMORY_MB,
        image=True,  # the engine catalog (numpy, pandas, numba); a submission's bars (ArcticDB)
    ),
    "data": FunctionEntry(
        description="/api/v1/data: symbols, freshness and sync of market data",
        # Items: the status and cancel routes of sync jobs (GET/POST /data/sync/{id}); large syncs
        # run as ECS tasks the function starts, stops and checks on.
        access=_JOB_ITEMS | {_A.MARKET_DATA_READ, _A.MARKET_DATA_WRITE, _A.SYNC_TASKS},
        routes=(f"{API_PREFIX}/data",),
        memory_mb=IMAGE_FUNCTION_MEMORY_MB,
        image=True,  # ArcticDB and ccxt
    ),
    "strategies": FunctionEntry(
        description="/api/v1/strategies: list, detail, metrics, status, A/B tests (register: engine_routes)",
        access=_JOB_ITEMS | {_A.QUERY_INDEXES, _A.QUERY_TABLE},
        routes=(f"{API_PREFIX}/strategies",),
    ),
    "configs": FunctionEntry(
        description="/api/v1/configs/*: config versions, activate, deprecate (creating: engine_routes)",
        access=_JOB_ITEMS | {_A.ITEMS_DELETE, _A.QUERY_INDEXES, _A.QUERY_TABLE},
        routes=(f"ANY {API_PREFIX}/configs/{{proxy+}}",),
    ),
    "instances": FunctionEntry(
        description="Strategy instances on ECS (run, list, stop, pause, resume, logs) and trading status",
        # Bars: a run is refused without stored bars to start from.
        access=_JOB_ITEMS | {_A.QUERY_INDEXES, _A.QUERY_TABLE, _A.STRATEGY_INSTANCES, _A.MARKET_DATA_READ},
        routes=(
            f"{API_PREFIX}/strategies/{{strategy_id}}/run",
            f"{API_PREFIX}/strategies/{{strategy_id}}/instances",
            f"GET {API_PREFIX}/trading/status",
        ),
        memory_mb=IMAGE_FUNCTION_MEMORY_MB,
        image=True,  # a run resolves the strategy (engine catalog) and its bars (ArcticDB)
    ),
    "strategy_ledger": FunctionEntry(
        description="GET /api/v1/strategies/pnl and /{strategy_id}/trades: P&L and trades from the ledger",
        access=_READS,
        routes=(f"GET {API_PREFIX}/strategies/pnl", f"GET {API_PREFIX}/strategies/{{strategy_id}}/trades"),
    ),
    "catalog": FunctionEntry(
        description="/api/v1/catalog: ranked list, compare, leaderboard, performance (detail: engine_routes)",
        access=_READS,
        routes=(f"{API_PREFIX}/catalog",),
    ),
    "models": FunctionEntry(
        description="/api/v1/models, /mlflow/models, strategy stage/promote: the model registry (MLflow)",
        # Bars: a validation backtest runs on the newest stored days.
        access=_READS | {_A.ITEMS_WRITE, _A.BACKTEST_EXECUTIONS, _A.MARKET_DATA_READ, _A.MLFLOW_SERVER},
        routes=(
            f"{API_PREFIX}/models",
            f"GET {API_PREFIX}/mlflow/models/{{name}}",
            f"POST {API_PREFIX}/strategies/{{strategy_id}}/stage",
            f"POST {API_PREFIX}/strategies/{{strategy_id}}/promote",
        ),
        memory_mb=IMAGE_FUNCTION_MEMORY_MB,
        image=True,  # MLflow; staging starts a validation backtest (engine catalog)
    ),
    "trading": FunctionEntry(
        description="/api/v1/trading: orders, fills, positions, balances, summary, audit (reads)",
        access=_READS,
        routes=(f"{API_PREFIX}/trading",),
    ),
    "budget": FunctionEntry(
        description="/api/v1/budget: the budget registry, per-strategy caps, realized P&L",
        access=_READS | {_A.ITEMS_WRITE, _A.ITEMS_DELETE},
        routes=(f"{API_PREFIX}/budget",),
    ),
    "backtest_plan": FunctionEntry(
        description="State machine step Plan: split a job into chunks written to the artifacts bucket",
        access=frozenset({_A.ITEMS_READ, _A.ARTIFACTS_WRITE}),
        memory_mb=512,
        timeout=Duration.seconds(120),
    ),
    "backtest_aggregate": FunctionEntry(
        description="State machine step Aggregate: merge the chunks' results and complete the job",
        access=_JOB_ITEMS | {_A.ARTIFACTS_LIST, _A.ARTIFACTS_READ, _A.ARTIFACTS_WRITE},
        memory_mb=1024,
        timeout=Duration.seconds(240),
    ),
    "execution_status": FunctionEntry(
        description="EventBridge: a backtest execution failed, timed out or was aborted: settle its job",
        # The job's conditional terminal transition: read it, then one conditional UpdateItem.
        access=frozenset({_A.ITEMS_READ, _A.ITEMS_UPDATE}),
        memory_mb=256,
        timeout=Duration.seconds(30),
    ),
    "job_sweeper": FunctionEntry(
        description="EventBridge schedule: start backtests and syncs left QUEUED by a submitter that died",
        # The status index finds them; a start refused marks the job FAILED with one conditional update.
        access=frozenset(
            {_A.ITEMS_READ, _A.ITEMS_UPDATE, _A.QUERY_INDEXES, _A.BACKTEST_START, _A.SYNC_START}
        ),
        memory_mb=256,
        timeout=Duration.seconds(60),
    ),
    "ws_ticket": FunctionEntry(
        description="POST /api/v1/ws/ticket: a single-use WebSocket ticket",
        access=_JOB_ITEMS,
        routes=(f"POST {API_PREFIX}/ws/ticket",),
        memory_mb=256,
        websocket=True,
    ),
    "ws_authorizer": _websocket_hook(
        "WebSocket $connect authorizer: consumes the ticket, checks the job and its slots",
        _JOB_ITEMS | {_A.QUERY_INDEXES},
    ),
    "ws_connect": _websocket_hook(
        "WebSocket $connect: takes one of the job's connection slots", _JOB_ITEMS | {_A.QUERY_INDEXES}
    ),
    "ws_disconnect": _websocket_hook(
        "WebSocket $disconnect: frees the connection's slot", frozenset({_A.ITEMS_READ, _A.ITEMS_DELETE})
    ),
    "stream_pusher": FunctionEntry(
        description="Table stream -> job changes posted to the job's WebSocket connections",
        access=frozenset({_A.ITEMS_READ, _A.ITEMS_DELETE, _A.QUERY_INDEXES, _A.WEBSOCKET_CONNECTIONS}),
        timeout=Duration.seconds(60),
        websocket=True,
    ),
}


def route_keys(route: str) -> tuple[str, ...]:
    """HTTP API route keys of a table route: `"GET /p"` as is; `"/p"` as `ANY /p`, `ANY /p/{proxy+}`."""
    if route.startswith("/"):
        return (f"ANY {route}", f"ANY {route}/{{proxy+}}")
    return (route,)
