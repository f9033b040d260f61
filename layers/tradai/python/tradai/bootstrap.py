"""The composition root: picks the adapter of each port for the configured runtime.

Adapter modules are imported inside the builders so that a Lambda handler pays for boto3 only
when its first request needs a store, and the local server never imports boto3 at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tradai.domain.clock import Clock, utc_now
from tradai.domain.errors import Unavailable
from tradai.ports import (
    BlobStore,
    ConnectionSender,
    DocumentStore,
    Exchange,
    HealthProbe,
    InstanceRunner,
    JobExecutor,
    MarketData,
    ModelRegistry,
    StrategyCatalog,
)
from tradai.services.auth import Authenticator
from tradai.settings import Settings

if TYPE_CHECKING:
    from tradai.adapters.ccxt_broker import CcxtBroker
    from tradai.adapters.local_job_bus import LocalJobBus
    from tradai.adapters.paper_broker import PaperBroker, PriceSource
    from tradai.domain.instances import StrategyInstance
    from tradai.ports import Broker


@dataclass
class Container:
    """The adapters one process uses, built once and shared by every request."""

    settings: Settings
    store: DocumentStore
    blobs: BlobStore
    authenticator: Authenticator | None = None
    """Checks bearer tokens; None when authentication is off."""
    executor: JobExecutor | None = None
    """Runs backtest jobs; None in processes that only read (e.g. a Lambda without the executor)."""
    job_bus: LocalJobBus | None = None
    """Fans job changes out to local WebSocket watchers; None in AWS (DynamoDB Streams do it)."""
    strategies: StrategyCatalog | None = None
    """The strategies backtests may use."""
    market_data: MarketData | None = None
    """Stored OHLCV bars (ArcticDB); None where no market-data store is configured."""
    instance_runner: InstanceRunner | None = None
    """Runs strategy instances (child processes locally, ECS tasks in AWS)."""
    registry: ModelRegistry | None = None
    """The model registry (MLflow, imported on first use); None where none is configured."""
    exchange: Exchange | None = None
    """Exchanges' public market data (ccxt, imported on first use); None where there is no access."""
    sync_executor: JobExecutor | None = None
    """Runs market-data sync jobs (local worker processes, ECS tasks in AWS); None: every sync runs inline."""
    extra_probes: dict[str, HealthProbe] = field(default_factory=dict)
    clock: Clock = utc_now
    """The time request limits count by (rate-limit windows); tests fix it."""

    @property
    def probes(self) -> dict[str, HealthProbe]:
        """What `GET /api/v1/health` checks, by dependency name."""
        return {"store": self.store, "blobs": self.blobs, **self.extra_probes}

    def strategy_catalog(self) -> StrategyCatalog:
        """The strategies, for the routes that need them; 503 in a runtime built without them."""
        if self.strategies is None:
            raise Unavailable("strategies are not available in this runtime")
        return self.strategies


def build_container(settings: Settings) -> Container:
    """Build the container for `settings.runtime`."""
    from tradai.adapters.ccxt_exchange import CcxtExchange
    from tradai.adapters.engine_catalog import EngineStrategyCatalog

    container = _aws_container(settings) if settings.runtime == "aws" else _local_container(settings)
    container.exchange = CcxtExchange()
    container.authenticator = build_authenticator(settings)
    container.strategies = EngineStrategyCatalog(settings.strategy_path)
    container.registry = build_registry(settings)
    return container


def build_registry(settings: Settings) -> ModelRegistry | None:
    """MLflow at the configured URI, else (locally) on sqlite under the data dir; None in AWS without one."""
    if settings.runtime == "aws" and not settings.mlflow_tracking_uri:
        return None
    from tradai.adapters.mlflow_registry import MlflowModelRegistry

    return MlflowModelRegistry(settings.registry_uri)


def build_authenticator(settings: Settings) -> Authenticator | None:
    """The token check for `settings.auth_mode`, or None when authentication is off."""
    if settings.auth_mode == "cognito":
        from tradai.adapters.jwks_keys import JwksTokenKeys

        return Authenticator(
            keys=JwksTokenKeys(settings.jwks_url),
            issuer=settings.token_issuer,
            client_ids=settings.cognito_client_ids,
            leeway_seconds=settings.auth_leeway_seconds,
        )
    if settings.auth_mode == "dev":
        from tradai.adapters.dev_keys import DEV_CLIENT_ID, DEV_ISSUER, DevTokenKeys

        return Authenticator(
            keys=DevTokenKeys(settings.dev_signing_key_path),
            issuer=DEV_ISSUER,
            client_ids=[DEV_CLIENT_ID],
            leeway_seconds=settings.auth_leeway_seconds,
        )
    return None


def _local_container(settings: Settings) -> Container:
    from tradai.adapters.arctic_bars import ArcticMarketData
    from tradai.adapters.file_blobs import FileBlobStore
    from tradai.adapters.local_job_bus import LocalJobBus
    from tradai.adapters.process_instances import ProcessInstanceRunner
    from tradai.adapters.sqlite_store import SqliteDocumentStore

    market_data = ArcticMarketData(
        settings.market_data_uri,
        keep_versions=settings.market_data_keep_versions,
        retain_freed_mb=settings.market_data_retain_freed_mb,
    )
    return Container(
        settings=settings,
        store=SqliteDocumentStore(settings.store_path, busy_timeout_ms=settings.sqlite_busy_timeout_ms),
        blobs=FileBlobStore(settings.blob_dir),
        job_bus=LocalJobBus(),
        market_data=market_data,
        instance_runner=ProcessInstanceRunner(settings),
        extra_probes={"market_data": market_data},
    )


def _aws_container(settings: Settings) -> Container:
    from tradai.adapters.arctic_bars import ArcticMarketData
    from tradai.adapters.dynamo_store import DynamoDocumentStore
    from tradai.adapters.ecs_instances import EcsInstanceRunner
    from tradai.adapters.s3_blobs import S3BlobStore

    return Container(
        settings=settings,
        store=DynamoDocumentStore(settings.table_name, client_factory=_boto3_client(settings, "dynamodb")),
        blobs=S3BlobStore(settings.artifacts_bucket, client_factory=_boto3_client(settings, "s3")),
        executor=_step_functions_executor(settings),
        # Opens S3 on first use only; not a health probe here, so the health Lambda never loads ArcticDB.
        market_data=ArcticMarketData(
            settings.market_data_uri,
            keep_versions=settings.market_data_keep_versions,
            retain_freed_mb=settings.market_data_retain_freed_mb,
        ),
        instance_runner=EcsInstanceRunner(
            settings,
            ecs_factory=_boto3_client(settings, "ecs"),
            logs_factory=_boto3_client(settings, "logs"),
        ),
        sync_executor=_ecs_sync_executor(settings),
    )


def _ecs_sync_executor(settings: Settings) -> JobExecutor | None:
    """Large syncs run as ECS tasks; None where no sync task definition is given (syncs run inline)."""
    if settings.sync_task_definition is None:
        return None
    from tradai.adapters.ecs_sync_executor import EcsSyncExecutor

    return EcsSyncExecutor(
        settings, task_definition=settings.sync_task_definition, ecs_factory=_boto3_client(settings, "ecs")
    )


def _step_functions_executor(settings: Settings) -> JobExecutor | None:
    """Backtests run on the state machine; None in functions not given its ARN (they never submit)."""
    if settings.backtest_state_machine_arn is None:
        return None
    from tradai.adapters.sfn_executor import StepFunctionsJobExecutor

    return StepFunctionsJobExecutor(
        state_machine_arn=settings.backtest_state_machine_arn,
        # One more attempt than other clients: a throttled start would otherwise fail the job.
        client_factory=_boto3_client(settings, "stepfunctions", attempts=START_EXECUTION_ATTEMPTS),
    )


START_EXECUTION_ATTEMPTS = 5
"""StartExecution tries in all; botocore's standard mode waits up to 1, 2, 4 and 8 s between them
(full jitter), within the API function's 25 s."""


def _boto3_client(
    settings: Settings, service: str, *, endpoint_url: str | None = None, attempts: int = 4
) -> Callable[[], Any]:
    def build() -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client(
            service,
            region_name=settings.aws_region,
            endpoint_url=endpoint_url or settings.aws_endpoint_url,
            config=Config(
                connect_timeout=2,
                read_timeout=5,
                retries={"mode": "standard", "total_max_attempts": attempts},
            ),
        )

    return build


def build_connection_sender(settings: Settings) -> ConnectionSender:
    """The sender that posts to API Gateway WebSocket connections (AWS runtime)."""
    from tradai.adapters.apigw_sender import ApiGatewayConnectionSender

    endpoint = settings.websocket_management_url or settings.aws_endpoint_url
    return ApiGatewayConnectionSender(
        client_factory=_boto3_client(settings, "apigatewaymanagementapi", endpoint_url=endpoint)
    )


def build_paper_broker(settings: Settings, prices: PriceSource | None = None) -> PaperBroker:
    """The dry-run broker with the configured fees, slippage and partial fills.

    Args:
        settings: where `paper_fee_rate`, `paper_slippage_bps` and `paper_partial_fills` come from.
        prices: the feed's next price of a symbol (fills use it before an order's reference price).
    """
    from tradai.adapters.paper_broker import PaperBroker

    return PaperBroker(
        fee_rate=settings.paper_fee_rate,
        slippage_bps=settings.paper_slippage_bps,
        partial_fills=settings.paper_partial_fills,
        prices=prices,
    )


def build_ccxt_broker(settings: Settings, exchange: str, *, api_key: str, secret: str) -> CcxtBroker:
    """The live broker on an exchange account, with the configured fee and slippage buffer."""
    from tradai.adapters.ccxt_broker import CcxtBroker

    return CcxtBroker(
        exchange=exchange,
        api_key=api_key,
        secret=secret,
        fee_rate=settings.live_fee_rate,
        slippage_bps=settings.live_slippage_bps,
    )


def settling_broker(settings: Settings, instance: StrategyInstance) -> Broker | None:
    """The broker the server asks about the orders a dead instance left unsettled.

    A dry-run's is the paper broker. A live one's is its exchange account when this server holds
    the keys itself (`TRADAI_EXCHANGE_API_KEY`/`_SECRET`, as a local server may); otherwise None,
    and the next live instance of the strategy on that exchange settles them when it starts.
    """
    if instance.mode != "live":
        return build_paper_broker(settings)
    key, secret = settings.exchange_api_key, settings.exchange_api_secret
    if key is None or secret is None or not key.get_secret_value() or not secret.get_secret_value():
        return None
    return build_ccxt_broker(
        settings, instance.exchange, api_key=key.get_secret_value(), secret=secret.get_secret_value()
    )


def boto3_client(settings: Settings, service: str) -> Callable[[], Any]:
    """A factory building the boto3 client of `service` on first call (the worker's Secrets Manager)."""
    return _boto3_client(settings, service)
