"""Every setting TradAI reads, from `TRADAI_*` environment variables (or a `.env` file).

This is the only module that reads the environment; everything else receives a
`Settings` object, usually through `get_settings()`.

`Settings` is a plain pydantic model and the few lines below read the environment into it:
pydantic-settings did the same with more sources than TradAI uses, at a cost every Lambda
handler paid at import (docs/decisions.md, "Settings read by a small reader").
"""

# No `from __future__ import annotations`: pydantic would compile each of the ~60 field annotations
# from its string when the class is built, at every cold start.
import os
from collections.abc import Collection
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import (
    AliasChoices,
    AliasGenerator,
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)

Runtime = Literal["local", "aws"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
AuthMode = Literal["none", "cognito", "dev"]

ENV_PREFIX = "TRADAI_"
ENV_FILE = ".env"
"""Read from the working directory when present; a variable of the real environment wins over it."""


def _variable(field: str) -> AliasChoices:
    """A field's environment variable: TRADAI_ + its name (matched case-insensitively)."""
    return AliasChoices(ENV_PREFIX + field.upper())


def _env(*names: str) -> AliasChoices:
    """Accept TradAI's variable and the older BACKEND_* name of seed 002 (the first set wins)."""
    return AliasChoices(*names)


class Settings(BaseModel):
    """TradAI configuration. Defaults run the local runtime with no configuration at all.

    `Settings(**values)` reads the environment too: a value given here wins over the environment,
    which wins over the `.env` file, then the defaults. Each field's validation aliases are the
    variables it is read from, so an invalid value's error names the variable that was set.
    """

    model_config = ConfigDict(
        alias_generator=AliasGenerator(validation_alias=_variable),
        extra="ignore",
        frozen=True,
        populate_by_name=True,
    )

    def __init__(self, _env_file: str | os.PathLike[str] | None = ENV_FILE, **values: Any) -> None:
        super().__init__(**{**read_environment(_env_file, given=values), **values})

    runtime: Runtime = "local"
    environment: str = Field(default="dev", description="Deployment stage name: dev, staging, prod, ...")
    service_name: str = "TradAI"

    # Local runtime
    data_dir: Path = Path(".tradai")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)

    demo_data: bool = Field(
        default=True,
        description="Load seeded demo bars on a local server's first start (nothing stored yet).",
    )
    strategy_path: Path | None = Field(default=None, description="A folder of user strategy files (*.py).")
    market_data_keep_versions: int = Field(
        default=10,
        ge=1,
        le=10_000,
        description="Versions of each stored bar series kept; older ones are deleted after each write.",
    )
    market_data_retain_freed_mb: int = Field(
        default=256,
        ge=0,
        le=16_384,
        description="Freed memory malloc keeps for reuse once bars are read (glibc): a 1M-bar read "
        "then reuses its pages instead of faulting them in; 0 leaves malloc as it is.",
    )
    sync_inline_max_bars: int = Field(
        default=10_000,
        ge=0,
        description="A sync estimated at more bars than this runs as a background job (202 + job id).",
    )
    workers: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        ge=1,
        le=256,
        description="Backtest jobs run at once (local).",
    )

    # HTTP surface. Lists default to a plain list, which pydantic copies for each instance: with
    # `default_factory=list` it reads list's signature, which compiles a tokenizer regex at cold start.
    cors_origins: list[str] = ["*"]
    log_level: LogLevel = "INFO"

    # AWS runtime: resource names come from the CDK stacks' outputs, passed as function environment.
    aws_region: str = "eu-central-1"
    table_name: str = "tradai-dev"
    artifacts_bucket: str = "tradai-artifacts-dev"
    market_data_bucket: str = "tradai-market-data-dev"
    websocket_url: str | None = Field(
        default=None, description="The API Gateway WebSocket URL (wss://...); tickets point there when set."
    )
    websocket_management_url: str | None = Field(
        default=None,
        description="https://{api-id}.execute-api.{region}.amazonaws.com/{stage}, for posting to sockets.",
    )
    backtest_state_machine_arn: str | None = Field(
        default=None,
        description="The backtest state machine (statemachines/backtest.asl.json); submitting starts it.",
    )
    backtest_max_chunks: int = Field(
        default=40,
        ge=1,
        # 5 waves of the state machine's 10 concurrent 2 h chunks fit its 12 h execution timeout.
        le=50,
        description="AWS: most Fargate tasks one sweep is split into.",
    )
    queued_job_sweep_after_seconds: int = Field(
        default=300,
        # Far above the backtests function's 25 s timeout: a submission still under way is never swept.
        ge=60,
        description="AWS: a backtest or sync job QUEUED this long was abandoned; the sweep starts it.",
    )
    backtest_min_sets_per_chunk: int = Field(
        default=50, ge=1, description="AWS: fewest parameter sets worth a Fargate task of their own."
    )
    aws_endpoint_url: str | None = Field(
        default=None, description="Override of AWS endpoints, for moto's server or LocalStack."
    )
    lambda_initialization_type: str | None = Field(
        default=None,
        validation_alias=_env("AWS_LAMBDA_INITIALIZATION_TYPE"),
        description="Set by Lambda: `snap-start` in the init a SnapStart snapshot is taken of.",
    )

    # Authentication. Unset: Cognito when a user pool is configured (as in seed 002), else none.
    auth: AuthMode | None = Field(
        default=None, description="none (local default), cognito, or dev (tokens signed by a local key)."
    )
    cognito_user_pool_id: str | None = Field(
        default=None, validation_alias=_env("TRADAI_COGNITO_USER_POOL_ID", "BACKEND_COGNITO_USER_POOL_ID")
    )
    cognito_client_ids: list[str] = Field(
        default=[],
        validation_alias=_env("TRADAI_COGNITO_CLIENT_IDS", "BACKEND_COGNITO_CLIENT_ID"),
        description="App clients whose tokens are accepted (SPA and M2M), comma-separated.",
    )
    cognito_region: str = Field(
        default="eu-central-1", validation_alias=_env("TRADAI_COGNITO_REGION", "BACKEND_COGNITO_REGION")
    )
    cognito_issuer: str | None = Field(
        default=None, description="Override of the token issuer (moto, LocalStack)."
    )
    cognito_jwks_url: str | None = Field(
        default=None, description="Override of the JWKS address (moto, LocalStack)."
    )
    auth_leeway_seconds: int = Field(default=30, ge=0, le=300)

    # Limits (API Gateway throttles too in AWS; these hold on every runtime).
    rate_limit_backtests_per_minute: int = Field(
        default=10, ge=1, description="POST /api/v1/backtests per caller."
    )
    max_body_bytes: int = Field(
        default=1024 * 1024, ge=1024, description="Largest request body accepted (413)."
    )

    # Strategy instances (dry-run and live trading)
    live_trading: bool = Field(
        default=False,
        description="Allow live instances (real orders): TRADAI_LIVE_TRADING=1. Off by default.",
    )
    exchange_api_key: SecretStr | None = Field(
        default=None, description="The live broker's exchange API key."
    )
    exchange_api_secret: SecretStr | None = Field(default=None, description="The live broker's API secret.")
    exchange_keys_secret: str | None = Field(
        default=None,
        description="AWS: the Secrets Manager secret (name or ARN) with {exchange: {apiKey, secret}}.",
    )
    live_fee_rate: float = Field(
        default=0.001, ge=0, lt=1, description="Live: the exchange's taker fee as a share of notional."
    )
    live_slippage_bps: float = Field(
        default=50.0,
        ge=0,
        le=5000,
        description="Live: the most a market order may fill past its price, in bp.",
    )
    replay_bars: int = Field(
        default=500, ge=10, le=1_000_000, description="A dry-run replays this many of the newest stored bars."
    )
    replay_bars_per_second: float = Field(
        default=50.0, gt=0, le=100_000, description="Default replay speed: orders flow at once offline."
    )
    instance_window_bars: int = Field(
        default=300, ge=10, le=100_000, description="Bars an instance keeps (at least 3x its warm-up)."
    )
    instance_poll_seconds: float = Field(
        default=0.5, gt=0, le=60, description="How often an instance re-reads its record (pause, stop)."
    )
    instance_stop_timeout_seconds: float = Field(
        default=10.0, ge=0, le=600, description="Grace before a stopping instance is killed."
    )
    ecs_cluster: str = Field(default="tradai-dev", description="The ECS cluster instances run on (AWS).")
    instance_task_definition: str = Field(
        default="tradai-worker-dev", description="The worker task definition instances run as (AWS)."
    )
    instance_container_name: str = Field(default="worker", description="The worker container's name.")
    sync_task_definition: str | None = Field(
        default=None,
        description="AWS: the worker task definition background syncs run as (`tradai worker sync`); "
        "unset: every sync runs inside the request.",
    )
    sync_lost_after_seconds: int = Field(
        default=120,
        ge=10,
        le=86_400,
        description="AWS: a sync job silent this long is checked against ECS; no task left marks it FAILED.",
    )
    instance_subnets: list[str] = Field(
        default=[], description="Subnets of instance tasks (awsvpc), comma-separated."
    )
    instance_security_groups: list[str] = Field(
        default=[], description="Security groups of instance tasks, comma-separated."
    )
    instance_log_group: str = Field(
        default="/tradai/dev/worker", description="CloudWatch log group of the worker tasks."
    )
    instance_log_stream_prefix: str = Field(
        default="worker", description="The awslogs stream prefix of the worker container."
    )

    # SQLite store: how long a writer waits for another process's lock before the store reports busy.
    sqlite_busy_timeout_ms: int = Field(default=5000, ge=0)

    # Paper broker (dry-run): what a simulated fill costs.
    paper_fee_rate: float = Field(
        default=0.0004, ge=0, lt=1, description="Fee per fill as a share of its notional (0.0004 = 4 bp)."
    )
    paper_slippage_bps: float = Field(
        default=2.0, ge=0, le=1000, description="Fill price moved against the order by this many bp."
    )
    paper_partial_fills: int = Field(default=1, ge=1, le=20, description="Split each fill into this many.")

    # Strategy lifecycle (issue 7): the model registry and the evidence a promotion needs.
    mlflow_tracking_uri: str | None = Field(
        default=None,
        description="The MLflow registry: unset is sqlite under the data dir; the server URL in AWS.",
    )
    promotion_min_sharpe: float = Field(default=0.5, description="Gate: the validation run's Sharpe ratio.")
    promotion_max_drawdown: float = Field(
        default=0.3, gt=0, le=1, description="Gate: the validation run's deepest drawdown, as a fraction."
    )
    promotion_min_trades: int = Field(default=10, ge=0, description="Gate: trades in the validation run.")
    validation_days: int = Field(
        default=180,
        ge=7,
        le=3650,
        description="Days of stored bars (ending at the newest) a validation runs on.",
    )

    @field_validator(
        "cors_origins", "cognito_client_ids", "instance_subnets", "instance_security_groups", mode="before"
    )
    @classmethod
    def _split_comma_list(cls, value: object) -> object:
        """Accept a comma-separated list, as seed 002's BACKEND_CORS_ORIGINS does."""
        if isinstance(value, str):
            return [origin.strip() for origin in value.split(",") if origin.strip()]
        return value

    @model_validator(mode="after")
    def _refuse_open_cors_in_production(self) -> Self:
        if self.environment == "prod" and "*" in self.cors_origins:
            raise ValueError("TRADAI_CORS_ORIGINS must list explicit origins when TRADAI_ENVIRONMENT=prod")
        return self

    @model_validator(mode="after")
    def _require_cognito_details(self) -> Self:
        if self.auth_mode == "cognito" and not (self.cognito_user_pool_id and self.cognito_client_ids):
            raise ValueError("Cognito auth needs TRADAI_COGNITO_USER_POOL_ID and TRADAI_COGNITO_CLIENT_IDS")
        return self

    @property
    def auth_mode(self) -> AuthMode:
        """The authentication in force: explicit, else Cognito when a pool is configured, else none."""
        if self.auth is not None:
            return self.auth
        return "cognito" if self.cognito_user_pool_id else "none"

    @property
    def token_issuer(self) -> str:
        """The `iss` every accepted Cognito token carries."""
        return self.cognito_issuer or (
            f"https://cognito-idp.{self.cognito_region}.amazonaws.com/{self.cognito_user_pool_id}"
        )

    @property
    def jwks_url(self) -> str:
        """Where Cognito publishes the pool's signing keys."""
        return self.cognito_jwks_url or f"{self.token_issuer}/.well-known/jwks.json"

    @property
    def dev_signing_key_path(self) -> Path:
        """The local RSA key `TRADAI_AUTH=dev` signs and verifies tokens with."""
        return self.data_dir / "auth" / "dev-signing-key.pem"

    @property
    def store_path(self) -> Path:
        """The SQLite file holding all local metadata."""
        return self.data_dir / "tradai.sqlite3"

    @property
    def market_data_uri(self) -> str:
        """Where ArcticDB keeps bars: LMDB under the data dir locally, the market-data bucket in AWS."""
        if self.runtime == "aws":
            return f"s3://s3.{self.aws_region}.amazonaws.com:{self.market_data_bucket}?aws_auth=true"
        return f"lmdb://{(self.data_dir / 'market').resolve()}"

    @property
    def registry_uri(self) -> str:
        """Where MLflow keeps the model registry: the configured URI, else sqlite under the data dir."""
        if self.mlflow_tracking_uri:
            return self.mlflow_tracking_uri
        return f"sqlite:///{(self.data_dir / 'mlflow' / 'mlflow.db').resolve()}"

    @property
    def exchange_keys_configured(self) -> bool:
        """Whether a live broker has API keys (or, in AWS, a secret to read them from)."""
        return bool(self.exchange_keys_secret) or bool(
            self.exchange_api_key
            and self.exchange_api_key.get_secret_value()
            and self.exchange_api_secret
            and self.exchange_api_secret.get_secret_value()
        )

    @property
    def instances_dir(self) -> Path:
        """The folder holding each local instance's log file."""
        return self.data_dir / "instances"

    @property
    def blob_dir(self) -> Path:
        """The folder holding local blobs (equity curves, trades, reports, charts)."""
        return self.data_dir / "blobs"


def variables(field: str) -> tuple[str, ...]:
    """The environment variables `field` is read from, the first set one winning."""
    alias = Settings.model_fields[field].validation_alias
    assert isinstance(alias, AliasChoices)  # every field has some: `_variable` or `_env`
    return tuple(choice for choice in alias.choices if isinstance(choice, str))


def read_environment(
    env_file: str | os.PathLike[str] | None = ENV_FILE, given: Collection[str] = ()
) -> dict[str, str]:
    """Every field's value as text, by the variable it came from, as pydantic-settings read them.

    Per field, the real environment wins over the `.env` file, and within each the first of its
    `variables` that is set; names match in any case. Fields in `given` (by name or variable) are
    left out: the caller's value wins.
    """
    sources = [{name.lower(): value for name, value in os.environ.items()}]
    if env_file is not None:
        sources.append(_read_env_file(Path(env_file).expanduser()))
    found: dict[str, str] = {}
    for field in Settings.model_fields:
        names = variables(field)
        if field in given or any(name in given for name in names):
            continue
        for source in sources:
            hit = next((name for name in names if source.get(name.lower()) is not None), None)
            if hit is not None:
                found[hit] = source[hit.lower()]
                break
    return found


def _read_env_file(path: Path) -> dict[str, str]:
    """The `.env` file's variables, by lower-cased name; none when there is no such file."""
    if not (path.is_file() or path.is_fifo()):
        return {}
    from dotenv import dotenv_values  # only when there is a file: no Lambda has one

    return {
        name.lower(): value
        for name, value in dotenv_values(path, encoding="utf-8").items()
        if value is not None
    }


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read once from the environment."""
    return Settings()
