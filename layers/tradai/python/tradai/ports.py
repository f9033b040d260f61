"""The ports: what services need from the outside world, as Protocols.

Each port has a local adapter and an AWS adapter in `tradai.adapters`, and both pass the same
contract suite in `tests/contract`. Services see only these Protocols.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    # Annotations only: a Lambda importing the ports (every handler, through bootstrap) then does
    # not build the pydantic models of orders, instances, the registry and market data at cold start.
    import pandas as pd

    from tradai.domain.instances import LogLine, RunnerState, StrategyInstance
    from tradai.domain.market_data import BarsRead, MarketList, StoredSeries, WriteReport
    from tradai.domain.orders import Execution, Order
    from tradai.domain.registry_records import ModelVersionRecord, RegisteredModelRecord
    from tradai.domain.store import Condition, Key, Page, Record, SortKeyRange, Update, WriteOperation
    from tradai.domain.strategies import StrategyInfo


@runtime_checkable
class HealthProbe(Protocol):
    """Something whose health `GET /api/v1/health` reports."""

    name: str
    """Short name of the backing technology, shown in health checks (e.g. ``sqlite``, ``dynamodb``)."""

    def ping(self) -> None:
        """Do the cheapest real round trip to the backing service.

        Raises:
            Unavailable: the service cannot be reached or did not answer in time.
        """


class DocumentStore(HealthProbe, Protocol):
    """Metadata for every resource (jobs, configs, connections, tickets, orders, ...).

    One logical table: items keyed by (pk, sk), optionally listed in secondary indexes
    (see `tradai.table_design`), optionally expiring. Documents are JSON-like maps; numbers
    come back as int or float. Every write can carry a `Condition`, making state transitions
    atomic.

    Errors: `ConditionFailed` when a condition does not hold (its `current` is the item as found),
    `NotFound` when an update targets a missing item, `InvalidInput` for an item over
    400 KB or a malformed document, `InvalidCursor` for a cursor this store did not issue,
    `StoreUnavailable` when the backend is down, locked or throttled.
    """

    def put(self, record: Record, *, condition: Condition | None = None) -> None:
        """Write a whole record (use `ItemAbsent()` to create only)."""

    def get(self, key: Key) -> Record | None:
        """Return the record, or None when it is absent or expired."""

    def update(self, operation: Update) -> Record:
        """Apply an update to an existing record atomically and return the record as written."""

    def delete(self, key: Key, *, condition: Condition | None = None) -> None:
        """Delete a record; deleting an absent record is not an error without a condition."""

    def query(
        self,
        partition: str,
        *,
        index: str | None = None,
        sk_prefix: str | None = None,
        sk_range: SortKeyRange | None = None,
        descending: bool = False,
        limit: int = 50,
        cursor: str | None = None,
    ) -> Page:
        """List records of one partition (of the table or of `index`) in sort-key order.

        Args:
            partition: the partition key value (the index's partition key when `index` is set).
            index: a name from `table_design.INDEXES`, or None for the table itself.
            sk_prefix: only sort keys starting with this.
            sk_range: only sort keys within these inclusive bounds.
            descending: newest/largest sort key first.
            limit: at most this many records per page (1-1000).
            cursor: the opaque cursor of the previous page.

        Returns:
            A page; its cursor is None when nothing follows.
        """

    def count(self, partition: str, *, index: str | None = None, sk_prefix: str | None = None) -> int:
        """Count the live records a `query` with the same arguments would list."""

    def transact(self, operations: Sequence[WriteOperation]) -> None:
        """Apply up to 100 operations on distinct keys all-or-nothing.

        Raises:
            ConditionFailed: some condition did not hold; nothing was written.
        """


class BlobStore(HealthProbe, Protocol):
    """Large immutable artifacts: equity curves, trades, reports, charts.

    Keys are relative paths (``backtests/<id>/equity.parquet``): letters, digits, ``._-/``, no
    ``..`` segment, no leading slash.
    """

    def put(self, key: str, data: bytes, *, content_type: str = "application/octet-stream") -> None:
        """Store `data` under `key`, replacing what was there; readers never see a partial blob."""

    def get(self, key: str) -> bytes:
        """Return the blob. Raises `NotFound` if there is none."""

    def content_type(self, key: str) -> str:
        """Return the media type the blob was stored with. Raises `NotFound` if there is none."""

    def exists(self, key: str) -> bool:
        """Return whether a blob is stored under `key`."""

    def delete(self, key: str) -> None:
        """Remove the blob; removing an absent blob is not an error."""

    def list(self, prefix: str = "") -> list[str]:
        """Return the keys under `prefix`, sorted."""


class TokenKeys(Protocol):
    """Where the public keys that sign access tokens come from (Cognito's JWKS, or a local dev key)."""

    def key_for(self, kid: str | None) -> object:
        """Return the verification key for the token header's `kid`.

        Raises:
            NotAuthenticated: no such key.
            Unavailable: the key set cannot be fetched.
        """


class JobExecutor(Protocol):
    """Runs backtest jobs somewhere else: worker processes locally, Step Functions + Fargate in AWS."""

    def submit(self, job_id: str) -> None:
        """Start (or queue) the stored QUEUED job `job_id`; returns at once."""

    def cancel(self, job_id: str) -> None:
        """Stop the job's work if it is running; the caller has already marked it CANCELLED."""


@runtime_checkable
class WatchedJobExecutor(JobExecutor, Protocol):
    """An executor whose workers can die unseen (an ECS task); readers ask it whether one is gone.

    The local process executor needs none of this: it reaps its own dead workers.
    """

    def worker_gone(self, job_id: str) -> str | None:
        """Say why no worker works on the job any more, or None while one is starting or running.

        Raises:
            Unavailable: the executor could not be asked.
        """


class JobEventPublisher(Protocol):
    """Delivers job messages to whoever watches the job (the local WebSocket bus)."""

    def publish(self, job_id: str, event: dict[str, Any]) -> None:
        """Deliver `event` to the watchers of `job_id`; safe to call from any thread."""


class ConnectionSender(Protocol):
    """Sends to WebSocket connections managed outside this process (API Gateway in AWS)."""

    def send(self, connection_id: str, message: dict[str, Any]) -> None:
        """Send one JSON message. Raises `ConnectionGone` if the client has left."""

    def close(self, connection_id: str) -> None:
        """Close the connection (normal closure); closing a gone connection is not an error."""


class StrategyCatalog(Protocol):
    """What strategies exist and which parameters they take (the engine's registry locally)."""

    def describe(self, name: str) -> StrategyInfo:
        """Return a strategy's public description. Raises `UnknownStrategy`."""

    def resolve_parameters(self, name: str, parameters: dict[str, Any]) -> dict[str, Any]:
        """Return the full parameter set (defaults filled in). Raises `InvalidInput` for bad values."""


class MarketData(HealthProbe, Protocol):
    """Stored OHLCV bars per exchange, symbol and timeframe (ArcticDB on LMDB locally, on S3 in AWS).

    Bars are DataFrames indexed by UTC open time with float64 open, high, low, close, volume columns.
    Errors: `BarsNotFound` when nothing can serve a read, `InvalidInput` for malformed names or bars,
    `MarketDataUnavailable` when the storage cannot be reached.
    """

    def write_bars(
        self, *, exchange: str, symbol: str, timeframe: str, bars: pd.DataFrame, replace: bool = False
    ) -> WriteReport:
        """Store bars, merging them into the series (stored bars at the same times are replaced).

        Args:
            exchange: the exchange name (``binance_futures``).
            symbol: a ccxt unified symbol.
            timeframe: the bars' timeframe (``1h``).
            bars: the bars, strictly increasing in time.
            replace: drop the whole stored series first (an import that supersedes it).

        Returns:
            How many rows are new, and the series' version after the write.
        """

    def read(
        self,
        *,
        exchange: str,
        symbol: str,
        timeframe: str,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> BarsRead:
        """Return the bars with open time in [start, end], aggregated from a finer stored timeframe if needed.

        Raises:
            BarsNotFound: neither this timeframe nor a finer one it can be built from is stored.
        """

    def read_bars(
        self, *, exchange: str, symbol: str, timeframe: str, start: datetime, end: datetime
    ) -> pd.DataFrame:
        """Return just the frame of `read` (what backtests need)."""

    def coverage(self, *, exchange: str, symbol: str, timeframe: str) -> tuple[datetime, datetime] | None:
        """Return the first and last bar times `read` can serve, or None when it can serve none."""

    def last_update(self, *, exchange: str, symbol: str) -> datetime | None:
        """Return the open time of the newest bar stored for `symbol` in any timeframe, or None."""

    def list_symbols(self, *, exchange: str) -> list[str]:
        """Return the symbols with stored bars on `exchange`, sorted."""

    def list_series(self, *, exchange: str | None = None) -> list[StoredSeries]:
        """Return every stored series (of one exchange, or of all), sorted by exchange, symbol, timeframe."""


class Exchange(Protocol):
    """A crypto exchange's public market data (ccxt)."""

    def markets(self, exchange: str) -> MarketList:
        """Return the symbols `exchange` lists (cached for a while).

        Raises:
            UnknownExchange: no exchange goes by this name.
            ExchangeUnavailable: the exchange cannot be reached.
        """

    def fetch_bars(
        self, *, exchange: str, symbol: str, timeframe: str, start: datetime, end: datetime | None = None
    ) -> Iterator[pd.DataFrame]:
        """Fetch closed bars with open time from `start` up to `end` (default: now), one page at a time.

        Pages are in time order, de-duplicated, and never hold the still-open candle. Network
        errors are retried with backoff, and requests are spaced by the exchange's rate limit.

        Raises:
            UnknownExchange: no exchange goes by this name.
            UnknownSymbol: the exchange lists no such market.
            InvalidInput: the exchange does not offer `timeframe`.
            ExchangeUnavailable: the exchange stayed unreachable (pages already yielded are valid).
        """


class Broker(Protocol):
    """Where orders trade: a paper broker (dry-run) or an exchange account through ccxt (live).

    The order pipeline calls it after the budget is reserved and books whatever it answers.
    """

    name: str
    """Short name shown on orders and in the audit trail (``paper``, ``ccxt``)."""
    cost_buffer: float
    """How much dearer than its notional at the valued price a fill may come out, as a fraction
    (slippage and fees): the order pipeline reserves the notional times ``1 + cost_buffer``."""

    def price(self, *, symbol: str, exchange: str) -> float | None:
        """Return the price an order for `symbol` would trade at now, or None when unknown."""

    def execute(self, order: Order) -> Execution:
        """Send `order` and return its fills (or why it did not trade) once it is final.

        Raises:
            BrokerUnavailable: the broker could not be reached; nothing was traded.
        """

    def resolve(self, order: Order) -> Execution:
        """Tell what became of `order`, sent by a process that died before booking the answer.

        An order still working is cancelled first, so the answer is final: its fills (FILLED,
        PARTIALLY_FILLED), or REJECTED when it never arrived or was cancelled with nothing filled.

        Raises:
            BrokerUnavailable: the broker cannot be asked now; the order stays unsettled.
        """


class InstanceRunner(Protocol):
    """Runs strategy instances: a child process each locally, an ECS task each on Fargate in AWS.

    The runner only starts, watches and stops the process (`tradai worker instance`); the
    instance's status lives in the store, and the process itself reads it to pause and resume.
    """

    name: str

    def launch(self, instance: StrategyInstance) -> str:
        """Start the instance's process and return where it runs (`pid:<pid>`, a task ARN).

        Raises:
            Unavailable: the process or task could not be started.
        """

    def state(self, instance: StrategyInstance) -> RunnerState:
        """Tell whether the instance's process is still alive (and how it ended if not)."""

    def states(self, instances: Sequence[StrategyInstance]) -> dict[str, RunnerState]:
        """`state` of many instances at once, by instance id (ECS: one DescribeTasks per 100 tasks)."""

    def stop(self, instance: StrategyInstance, *, timeout_seconds: float) -> bool:
        """Ask the process to stop (SIGTERM), force it after `timeout_seconds` where the runner can.

        Returns:
            Whether the process is gone when this returns (ECS stops tasks asynchronously).
        """

    def logs(self, instance: StrategyInstance, *, limit: int, since: datetime | None = None) -> list[LogLine]:
        """Return the instance's last `limit` log lines (at or after `since`), oldest first."""


class ModelRegistry(Protocol):
    """Registered models and their versions, tags and aliases (MLflow: in-process on sqlite locally,
    the MLflow server in AWS).

    Errors: `ModelNotFound` for an unknown model (or version), `InvalidInput` for a name or value the
    registry refuses, `RegistryUnavailable` when it cannot be reached.
    """

    def create_version(
        self, model: str, *, tags: Mapping[str, str], description: str = ""
    ) -> ModelVersionRecord:
        """Add a version to `model` (registering the model on first use) and return it."""

    def set_tags(self, model: str, version: str, tags: Mapping[str, str]) -> None:
        """Set tags of an existing model version."""

    def set_alias(self, model: str, alias: str, version: str) -> None:
        """Point `alias` at `version`, moving it from whichever version held it."""

    def delete_alias(self, model: str, alias: str) -> None:
        """Remove `alias`; removing an absent alias is not an error."""

    def get_model(self, model: str) -> RegisteredModelRecord:
        """One registered model and its aliases."""

    def list_models(self) -> list[RegisteredModelRecord]:
        """Every registered model, by name."""

    def list_versions(self, model: str) -> list[ModelVersionRecord]:
        """A model's versions, oldest first."""
