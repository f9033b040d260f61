"""The `MarketData` port on ArcticDB: LMDB under the data dir locally, S3 in AWS.

Layout (see docs/data-model.md, "Market data"): one library per exchange and timeframe, named
``bars.<exchange>.<timeframe>``; one symbol per market, named by its ccxt unified symbol.
ArcticDB versions every write, so a read's `data_version` names the exact bars it returned; after
each write only the newest `keep_versions` versions of the series are kept.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from tradai.domain.errors import BarsNotFound, InvalidInput, MarketDataUnavailable
from tradai.domain.market import Timeframe, check_exchange, check_symbol, floor_time
from tradai.domain.market_data import BarsRead, StoredSeries, WriteReport

if TYPE_CHECKING:
    import pandas as pd

OHLCV = ("open", "high", "low", "close", "volume")
LIBRARY_PREFIX = "bars."
_AGGREGATION = {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"}


class ArcticMarketData:
    """Stored bars in an ArcticDB instance given by URI (``lmdb://<dir>`` or ``s3://...``)."""

    def __init__(self, uri: str, *, keep_versions: int | None = None, retain_freed_mb: int = 0) -> None:
        """Open (lazily) the ArcticDB instance at `uri`.

        Args:
            uri: ``lmdb://<dir>``, or an ArcticDB S3 URI.
            keep_versions: versions of each series kept after a write (None: all). Every version
                holds its own data segments, so an hourly sync without pruning grows forever.
            retain_freed_mb: on opening, have malloc keep this much freed memory in the process,
                so reads reuse pages instead of faulting them in (`malloc_tuning`; 0: leave it).
        """
        if keep_versions is not None and keep_versions < 1:
            raise ValueError("keep_versions must be at least 1")
        self.uri = uri
        self.keep_versions = keep_versions
        self.retain_freed_mb = retain_freed_mb
        scheme = uri.split("://", 1)[0]
        self.name = "arcticdb-s3" if scheme.startswith("s3") else f"arcticdb-{scheme}"
        self._arctic: Any = None
        self._libraries: dict[str, Any] = {}
        self._lock = threading.Lock()

    def ping(self) -> None:
        """List the libraries: the cheapest call that reaches the storage."""
        with self._errors():
            self._store().list_libraries()

    def write_bars(
        self, *, exchange: str, symbol: str, timeframe: str, bars: pd.DataFrame, replace: bool = False
    ) -> WriteReport:
        """Store bars, merging them into the series (see `MarketData.write_bars`)."""
        frame = _normalized(bars, symbol)
        library_name = _library_name(exchange, timeframe)
        check_symbol(symbol)
        with self._errors():
            library = self._library(library_name, create=True)
            new_rows, version = _merge(library, symbol, frame, replace=replace)
            self._prune(library, symbol)
            return WriteReport(
                new_rows=max(new_rows, 0), data_version=_version_name(library_name, symbol, version)
            )

    def _prune(self, library: Any, symbol: str) -> None:
        """Delete all but the newest `keep_versions` versions of the series."""
        if self.keep_versions is None:
            return
        versions = sorted({key.version for key in library.list_versions(symbol)}, reverse=True)
        if len(versions) > self.keep_versions:
            library.delete(symbol, versions=versions[self.keep_versions :])

    def read(
        self,
        *,
        exchange: str,
        symbol: str,
        timeframe: str,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> BarsRead:
        """Return stored bars, aggregated from the coarsest finer timeframe when needed."""
        wanted = Timeframe.parse(timeframe)
        check_symbol(symbol)
        with self._errors():
            library_name = _library_name(exchange, wanted.name)
            item = self._read_stored(library_name, symbol, start, end)
            if item is not None:
                return BarsRead(
                    frame=item.data,
                    data_version=_version_name(library_name, symbol, item.version),
                    source_timeframe=wanted.name,
                )
            source = self._source_timeframe(exchange, symbol, wanted)
            library_name = _library_name(exchange, source.name)
            item, frame = _read_aggregated(self._library(library_name), symbol, source, wanted, start, end)
        return BarsRead(
            frame=frame,
            data_version=_version_name(library_name, symbol, item.version),
            source_timeframe=source.name,
        )

    def _read_stored(
        self, library_name: str, symbol: str, start: datetime | None, end: datetime | None
    ) -> Any | None:
        """Read the series as stored, or None when it is not (then a finer one may serve).

        Reading first and asking later saves the existence checks on the common path (each is
        a round trip on S3). Stored series hold exactly the OHLCV columns (see `_normalized`), so
        no column filter, and no date filter unless asked: ArcticDB hands its frame over as is.
        """
        from arcticdb.exceptions import LibraryNotFound, NoSuchVersionException

        try:
            library = self._library(library_name)
            return library.read(symbol, date_range=(start, end) if start or end else None)
        except (LibraryNotFound, NoSuchVersionException):
            return None

    def read_bars(
        self, *, exchange: str, symbol: str, timeframe: str, start: datetime, end: datetime
    ) -> pd.DataFrame:
        """Return just the frame of `read`."""
        return self.read(exchange=exchange, symbol=symbol, timeframe=timeframe, start=start, end=end).frame

    def coverage(self, *, exchange: str, symbol: str, timeframe: str) -> tuple[datetime, datetime] | None:
        """Return the first and last bar times `read` can serve for this timeframe."""
        wanted = Timeframe.parse(timeframe)
        with self._errors():
            try:
                source = self._source_timeframe(exchange, symbol, wanted)
            except BarsNotFound:
                return None
            first, last = (
                self._library(_library_name(exchange, source.name)).get_description(symbol).date_range
            )
        return floor_time(first.to_pydatetime(), wanted), floor_time(last.to_pydatetime(), wanted)

    def last_update(self, *, exchange: str, symbol: str) -> datetime | None:
        """Return the newest stored bar time of `symbol` over every timeframe."""
        lasts = [series.last for series in self.list_series(exchange=exchange) if series.symbol == symbol]
        return max(lasts, default=None)

    def list_symbols(self, *, exchange: str) -> list[str]:
        """Return the symbols stored for `exchange`."""
        with self._errors():
            return sorted(
                {
                    symbol
                    for library in self._libraries_of(exchange).values()
                    for symbol in library.list_symbols()
                }
            )

    def list_series(self, *, exchange: str | None = None) -> list[StoredSeries]:
        """Return every stored series, with its range and row count."""
        series: list[StoredSeries] = []
        with self._errors():
            for library_name in self._library_names(exchange):
                _, exchange_name, timeframe = library_name.split(".", 2)
                library = self._library(library_name)
                for symbol in library.list_symbols():
                    description = library.get_description(symbol)
                    first, last = description.date_range
                    series.append(
                        StoredSeries(
                            exchange=exchange_name,
                            symbol=symbol,
                            timeframe=timeframe,
                            first=first.to_pydatetime(),
                            last=last.to_pydatetime(),
                            rows=description.row_count,
                        )
                    )
        return sorted(series, key=lambda item: (item.exchange, item.symbol, Timeframe.parse(item.timeframe)))

    def _source_timeframe(self, exchange: str, symbol: str, wanted: Timeframe) -> Timeframe:
        """Pick the stored timeframe to serve `wanted`: itself, else the coarsest finer one it builds from."""
        check_symbol(symbol)
        names = self._library_names(exchange)
        wanted_name = _library_name(exchange, wanted.name)
        if wanted_name in names and self._library(wanted_name).has_symbol(symbol):
            return wanted
        finer = [
            timeframe
            for name in names
            if wanted.builds_from(timeframe := Timeframe.parse(name.split(".", 2)[2]))
            and self._library(name).has_symbol(symbol)
        ]
        if not finer:
            raise BarsNotFound(f"no {wanted.name} bars (nor finer ones) stored for {symbol} on {exchange}")
        return max(finer)

    def _library_names(self, exchange: str | None) -> list[str]:
        prefix = LIBRARY_PREFIX + (f"{check_exchange(exchange)}." if exchange else "")
        return sorted(name for name in self._store().list_libraries() if name.startswith(prefix))

    def _libraries_of(self, exchange: str) -> dict[str, Any]:
        return {name: self._library(name) for name in self._library_names(exchange)}

    def _library(self, name: str, *, create: bool = False) -> Any:
        """The library handle, opened once (libraries are never deleted, so handles stay valid)."""
        library = self._libraries.get(name)
        if library is None:
            library = self._libraries[name] = self._store().get_library(name, create_if_missing=create)
        return library

    def _store(self) -> Any:
        if self._arctic is None:
            with self._lock:
                if self._arctic is None:
                    import arcticdb

                    from tradai.adapters.malloc_tuning import retain_freed_memory

                    retain_freed_memory(self.retain_freed_mb)
                    self._arctic = arcticdb.Arctic(self.uri)
        return self._arctic

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Turn ArcticDB's errors into domain errors."""
        from arcticdb.exceptions import (
            ArcticException,
            LibraryNotFound,
            NoDataFoundException,
            NormalizationException,
            NoSuchVersionException,
            SchemaException,
            UserInputException,
        )

        try:
            yield
        except (LibraryNotFound, NoSuchVersionException, NoDataFoundException) as exc:
            raise BarsNotFound(f"no bars stored: {exc}") from exc
        except (NormalizationException, SchemaException, UserInputException) as exc:
            raise InvalidInput(f"bars cannot be stored: {exc}") from exc
        except ArcticException as exc:
            raise MarketDataUnavailable(f"market-data store failed: {exc}") from exc


def _merge(library: Any, symbol: str, frame: pd.DataFrame, *, replace: bool) -> tuple[int, int]:
    """Write `frame` into the series; return the rows that are new and the version written."""
    if replace or not library.has_symbol(symbol):
        return len(frame), int(library.write(symbol, frame).version)
    before = library.get_description(symbol)
    if len(frame) == 0:
        return 0, int(before.version)
    if frame.index[0] > before.date_range[1]:
        library.append(symbol, frame)
        # Each append leaves a small segment; an hourly sync would pile up thousands and slow
        # reads, so merge them now (tens of ms on a million rows).
        return len(frame), int(library.compact_data(symbol).version)
    version = int(library.update(symbol, frame).version)
    return library.get_description(symbol).row_count - before.row_count, version


def _library_name(exchange: str, timeframe: str) -> str:
    return f"{LIBRARY_PREFIX}{check_exchange(exchange)}.{Timeframe.parse(timeframe).name}"


def _version_name(library_name: str, symbol: str, version: int) -> str:
    return f"{library_name}/{symbol}@v{version}"


def _normalized(bars: pd.DataFrame, symbol: str) -> pd.DataFrame:
    """Return the bars as stored: UTC index named time, float64 OHLCV columns in a fixed order."""
    import numpy as np
    import pandas as pd

    if not isinstance(bars, pd.DataFrame) or not isinstance(bars.index, pd.DatetimeIndex):
        raise InvalidInput(f"{symbol}: bars must be a DataFrame indexed by time")
    missing = [column for column in OHLCV if column not in bars.columns]
    if missing:
        raise InvalidInput(f"{symbol}: bars lack column(s) {', '.join(missing)}")
    if not (bars.index.is_monotonic_increasing and bars.index.is_unique):
        raise InvalidInput(f"{symbol}: bar times must be strictly increasing")
    index = bars.index.tz_localize("UTC") if bars.index.tz is None else bars.index.tz_convert("UTC")
    return pd.DataFrame(
        {column: bars[column].to_numpy(dtype=np.float64) for column in OHLCV},
        index=index.as_unit("ns").rename("time"),
    )


def _read_aggregated(
    library: Any,
    symbol: str,
    source: Timeframe,
    wanted: Timeframe,
    start: datetime | None,
    end: datetime | None,
) -> tuple[Any, pd.DataFrame]:
    """Aggregate `source` bars into `wanted` bars inside ArcticDB, dropping incomplete edge buckets."""
    from arcticdb import QueryBuilder

    query = QueryBuilder().resample(f"{wanted.seconds}s").agg({**_AGGREGATION, "_bars": ("close", "count")})
    first = floor_time(start, wanted) if start else None
    last = floor_time(end, wanted) + wanted.delta - source.delta if end else None
    item = library.read(symbol, date_range=(first, last), query_builder=query)
    frame = item.data
    full = wanted.seconds // source.seconds
    keep = frame["_bars"].to_numpy() > 0
    # An edge bucket with fewer bars than a full one is still forming (or starts mid-bucket):
    # the exchange's own bar for it would differ, so it is left out.
    if len(frame) and frame["_bars"].iloc[0] < full:
        keep[0] = False
    if len(frame) and frame["_bars"].iloc[-1] < full:
        keep[-1] = False
    frame = frame.loc[keep, list(OHLCV)]
    frame.index = frame.index.rename("time")
    return item, frame
