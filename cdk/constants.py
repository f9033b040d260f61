"""Names, sizes and limits of the CDK app; constructs and stacks take every literal from here."""

from __future__ import annotations

from aws_cdk import Aws, Duration
from aws_cdk import aws_lambda as lambda_

SERVICE = "tradai"
STACKS = ("persistent", "foundation", "compute", "edge")
DEFAULT_ENVIRONMENT = "dev"
CONTEXT_ENVIRONMENT = "env"
"""`cdk deploy --all -c env=staging` picks the environment block of cdk.json's `environments`."""
CONTEXT_ENVIRONMENTS = "environments"
CONTEXT_LAYER_DIR = "layer_dir"
"""Context key of an already prepared layer folder (tests pass a stub; `make synth` builds the real one)."""
CONTEXT_LAYER_BYTECODE = "layer_bytecode"
"""`-c layer_bytecode=required`: refuse to build a layer without bytecode for the Lambda runtime's
Python (cdk/layer_build.py); `make deploy` passes it, a plain synth only warns."""
LAYER_BYTECODE_REQUIRED = "required"
CONTEXT_WORKER_IMAGE_TAG = "worker_image_tag"
"""`-c worker_image_tag=<tag or sha256:digest>`: the worker image in ECR that the Fargate tasks and the
image functions run. Context, not a CloudFormation parameter: the tag is then part of each image
function's properties, so a new tag publishes a new version behind the `live` alias (a parameter
would change the function's code but leave the alias on the old version)."""
WORKER_IMAGE_TAG_DEFAULT = "latest"

# --- Lambda ------------------------------------------------------------------------------------
LAMBDA_RUNTIME = lambda_.Runtime.PYTHON_3_12
LAMBDA_ARCHITECTURE = lambda_.Architecture.ARM_64
LAYER_PYTHON_VERSION = LAMBDA_RUNTIME.name.removeprefix("python")
"""The runtime's Python ("3.12"): the layer's wheels and its bytecode are built for it."""
LAYER_PLATFORM = "manylinux2014_aarch64"
"""pip's `--platform` for the layer's wheels; must match LAMBDA_ARCHITECTURE and LAMBDA_RUNTIME."""
LAMBDA_HANDLER = "handler.lambda_handler"
LAMBDA_ALIAS = "live"
"""The alias API Gateway invokes: a published version, so SnapStart snapshots apply."""
IMAGE_ARCHITECTURE = lambda_.Architecture.X86_64
"""Image functions run the worker image, which is linux/amd64 (ArcticDB has no aarch64 wheel)."""
IMAGE_PYTHON = "/opt/venv/bin/python"
"""The worker image's interpreter (containers/worker/Dockerfile: UV_PROJECT_ENVIRONMENT=/opt/venv)."""
IMAGE_ENTRYPOINT = (IMAGE_PYTHON, "-m", "awslambdaric")
"""The Lambda runtime interface client in the image (dependency group `lambda-image`); the image has
no entry point of its own (Fargate tasks give their whole command)."""
IMAGE_FUNCTIONS_DIR = "/opt/tradai"
"""Working directory of image functions: the Dockerfile copies `functions/` here, so
`python -m awslambdaric functions.<name>.handler.lambda_handler` imports the handler from it."""
IMAGE_FUNCTION_ENVIRONMENT = {"NUMBA_CACHE_DIR": "/tmp/numba-cache", "HOME": "/tmp"}  # noqa: S108
"""Lambda's filesystem is read-only but /tmp. numba refuses a cache folder it cannot write (the
image's warmed cache in /opt is for Fargate; the Lambdas validate and enqueue, they run no kernel),
and libraries that keep state under ~ get a writable home."""
LAMBDA_VPC_ACTIONS = (
    "ec2:CreateNetworkInterface",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSubnets",
    "ec2:DeleteNetworkInterface",
    "ec2:AssignPrivateIpAddresses",
    "ec2:UnassignPrivateIpAddresses",
)
"""What AWSLambdaVPCAccessExecutionRole grants, given inline: a function's role holds no managed policy."""
LAMBDA_IMAGE_PULL_ACTIONS = ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")
"""What Lambda needs on the repository to create and update image functions (Lambda developer guide,
"Amazon ECR permissions"); the repository grants them only for this environment's functions."""
IMAGE_FUNCTION_MEMORY_MB = 1769
"""One full vCPU: an image function's first request imports numba, pandas or MLflow (CPU-bound)."""
POWERTOOLS_SERVICE_NAME = "tradai"

# --- HTTP API ----------------------------------------------------------------------------------
API_PREFIX = "/api/v1"
HEALTH_PATH = f"{API_PREFIX}/health"
BACKTESTS_PATH = f"{API_PREFIX}/backtests"
THROTTLE_RATE_LIMIT = 100
"""Default requests per second of every route (seed 001, "Rate Limiting")."""
THROTTLE_BURST_LIMIT = 200
BACKTEST_SUBMIT_RATE_LIMIT = 10
"""`POST /api/v1/backtests` only (seed 001), as a route setting of the `$default` stage."""
BACKTEST_SUBMIT_BURST_LIMIT = 20


CORS_ALLOW_METHODS = ("GET", "POST", "PUT", "DELETE", "OPTIONS")
CORS_ALLOW_HEADERS = ("Authorization", "Content-Type", "X-Amz-Date")
CORS_MAX_AGE = Duration.seconds(86400)

PUBLIC_ROUTES = frozenset({f"GET {HEALTH_PATH}"})
"""Route keys served without the JWT authorizer (seed 001: only the health check)."""
ROUTE_THROTTLES = {f"POST {BACKTESTS_PATH}": (BACKTEST_SUBMIT_RATE_LIMIT, BACKTEST_SUBMIT_BURST_LIMIT)}
"""Route key -> `(rate, burst)` instead of the stage default (seed 001)."""
MLFLOW_ROUTE = "ANY /mlflow/{proxy+}"
"""MLflow's UI and REST API through the VPC link to the internal ALB (seed 001, JWT required)."""

# --- WebSocket API and the stream pusher --------------------------------------------------------
WEBSOCKET_STAGE = "ws"
WEBSOCKET_TICKET_QUERY = ("ticket", "job_id")
"""Query parameters of `$connect` the ticket authorizer reads (its identity sources)."""
STREAM_BATCH_SIZE = 100
STREAM_MAX_BATCHING_WINDOW = Duration.seconds(0)
"""Push at once: progress should reach watchers within a second."""
STREAM_RETRY_ATTEMPTS = 3
STREAM_MAX_RECORD_AGE = Duration.hours(1)
"""Older job changes are not worth pushing (the client reads the job on reconnect)."""

# --- Cognito -----------------------------------------------------------------------------------
RESOURCE_SERVER_IDENTIFIER = "tradai"
RESOURCE_SERVER_SCOPE = "api"
"""M2M tokens carry the scope `tradai/api` (seed 001's client-credentials request)."""
USER_GROUPS = {
    "admin": "Manages users, promotes strategies and runs live trading.",
    "trader": "Runs backtests and dry-run or live strategies.",
    "viewer": "Reads results only.",
}
ACCESS_TOKEN_VALIDITY = Duration.hours(1)
"""Seed 001: tokens expire after 3600 seconds."""
PASSWORD_MIN_LENGTH = 12

# --- Storage -----------------------------------------------------------------------------------
BUCKETS = {
    "market-data": "ArcticDB's S3 storage of OHLCV bars.",
    "artifacts": "Backtest results: equity curves, trades, reports, charts; MLflow artifacts.",
    "reports": "Rendered HTML reports shared with users.",
}
ARTIFACTS_BUCKET = "artifacts"
MARKET_DATA_BUCKET = "market-data"
NONCURRENT_VERSION_EXPIRY = Duration.days(90)
ECR_KEEP_IMAGES = 30

# --- Network and alerting ----------------------------------------------------------------------
MAX_AZS = 2
VPC_CIDR = "10.40.0.0/16"
SUBNET_CIDR_MASK = 22
MLFLOW_DB_NAME = "mlflow"
MLFLOW_DB_USER = "mlflow"
MLFLOW_DB_PORT = 5432
MLFLOW_DB_STORAGE_GB = 20
MLFLOW_DB_MAX_STORAGE_GB = 100
MLFLOW_DB_ROTATION = Duration.days(30)
DLQ_RETENTION = Duration.days(14)
EXECUTION_EVENT_RETRY_ATTEMPTS = 8
"""EventBridge redeliveries of an execution-ended event before it goes to the DLQ (backoff by EventBridge)."""
EXECUTION_EVENT_MAX_AGE = Duration.hours(6)
JOB_SWEEP_INTERVAL = Duration.minutes(5)
"""How often functions/job_sweeper looks for jobs left QUEUED (threshold: its settings, 5 min)."""
"""SQS's maximum, so a failed stream batch can be inspected for two weeks."""

# --- ECS: worker tasks and MLflow --------------------------------------------------------------
WORKER_CONTAINER = "worker"
"""Container name of both worker task definitions (RunTask overrides address it by this name)."""
BACKTEST_TASK_FAMILY = "backtest-worker"
INSTANCE_TASK_FAMILY = "strategy-instance"
SYNC_TASK_FAMILY = "sync-worker"
MLFLOW_PORT = 5000
MLFLOW_PREFIX = "/mlflow"
"""MLflow serves UI and REST API under this prefix (`--static-prefix`; MLflow 3.x moves both: B7)."""
MLFLOW_HEALTH_PATH = f"{MLFLOW_PREFIX}/health"
MLFLOW_ARTIFACT_PREFIX = "mlflow"
"""Key prefix of MLflow's artifacts in the artifacts bucket."""
MLFLOW_WORKERS = 2
MLFLOW_DESIRED_COUNT = 1
ALB_PORT = 80
"""The internal ALB's listener: reached only through the HTTP API's VPC link (TLS ends at the API)."""
ALB_MLFLOW_RULE_PRIORITY = 10
ALB_IDLE_TIMEOUT = Duration.seconds(60)
WAF_RATE_LIMIT = 2000
"""Requests per 5 minutes from one address before the ALB's WAF blocks it."""


def stack_name(stack: str, environment: str) -> str:
    """The CloudFormation name of one stack: `tradai-{stack}-{env}` (seed 001)."""
    return f"{SERVICE}-{stack}-{environment}"


# --- Monitoring --------------------------------------------------------------------------------
ALARM_PERIOD = Duration.minutes(5)
API_5XX_THRESHOLD = 5
"""5xx answers in one period before the API alarm fires (one may be a client's bad luck)."""
FUNCTION_ERROR_THRESHOLD = 1
FUNCTION_THROTTLE_THRESHOLD = 1
DLQ_DEPTH_THRESHOLD = 1
STATE_MACHINE_FAILURE_THRESHOLD = 1
"""A failed backtest execution is worth a look (the job itself is marked FAILED with its cause)."""
DASHBOARD_WIDGET_WIDTH = 12


def bucket_name(name: str, environment: str) -> str:
    """A bucket's globally unique name, `tradai-{env}-{name}-{account}`; any stack can compute it."""
    return f"{resource_name(name, environment)}-{Aws.ACCOUNT_ID}"


def resource_name(name: str, environment: str) -> str:
    """A physical name shared by one environment's resources, e.g. `tradai-dev-alarms`."""
    return f"{SERVICE}-{environment}-{name}"
