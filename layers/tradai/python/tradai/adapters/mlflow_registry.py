"""ModelRegistry on MLflow's model registry: in-process on sqlite locally, an MLflow server in AWS.

MLflow (~1-5 s to import) is imported on the first registry call, never when this module loads, so
the HTTP handlers that mount registry routes keep their cold start. Every MLflow error becomes a
domain error here: an unknown model is a 404, a refused value a 400, anything else means the
registry is unavailable (a 503 with Retry-After); a raw MLflow failure never reaches a client (bug
B5 of seed 000).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from tradai.domain.errors import Conflict, InvalidInput
from tradai.domain.registry import ModelNotFound, RegistryUnavailable
from tradai.domain.registry_records import ModelVersionRecord, RegisteredModelRecord

T = TypeVar("T")
_PAGE = 1000


class MlflowModelRegistry:
    """The MLflow registry at `tracking_uri` (``sqlite:///...`` or ``http(s)://...``)."""

    name = "mlflow"

    def __init__(self, tracking_uri: str) -> None:
        self._uri = tracking_uri
        self._client: Any = None
        self._lock = threading.Lock()

    def create_version(
        self, model: str, *, tags: Mapping[str, str], description: str = ""
    ) -> ModelVersionRecord:
        client = self._mlflow()

        def create() -> Any:
            from mlflow.exceptions import MlflowException

            try:
                client.create_registered_model(model)
            except MlflowException as exc:
                if exc.error_code != "RESOURCE_ALREADY_EXISTS":
                    raise
            return client.create_model_version(
                model, source=f"tradai://strategies/{model}", tags=dict(tags), description=description or None
            )

        return _version(self._call(create, model))

    def set_tags(self, model: str, version: str, tags: Mapping[str, str]) -> None:
        client = self._mlflow()

        def apply() -> None:
            for key, value in tags.items():
                client.set_model_version_tag(model, version, key, value)

        self._call(apply, model)

    def set_alias(self, model: str, alias: str, version: str) -> None:
        client = self._mlflow()
        self._call(lambda: client.set_registered_model_alias(model, alias, version), model)

    def delete_alias(self, model: str, alias: str) -> None:
        client = self._mlflow()
        if alias in self.get_model(model).aliases:
            self._call(lambda: client.delete_registered_model_alias(model, alias), model)

    def get_model(self, model: str) -> RegisteredModelRecord:
        client = self._mlflow()
        return _model(self._call(lambda: client.get_registered_model(model), model))

    def list_models(self) -> list[RegisteredModelRecord]:
        client = self._mlflow()
        found = self._call(lambda: list(client.search_registered_models(max_results=_PAGE)), "")
        return sorted((_model(item) for item in found), key=lambda record: record.name)

    def list_versions(self, model: str) -> list[ModelVersionRecord]:
        self.get_model(model)  # an unknown model is a 404, not an empty list
        client = self._mlflow()
        quoted = model.replace("'", "\\'")
        found = self._call(
            lambda: list(client.search_model_versions(f"name='{quoted}'", max_results=_PAGE)), model
        )
        return sorted((_version(item) for item in found), key=lambda record: int(record.version))

    def _mlflow(self) -> Any:
        """The MLflow client, built on first use (creating a local sqlite store's folder)."""
        with self._lock:
            if self._client is None:
                try:
                    from mlflow.tracking import MlflowClient
                except ImportError as exc:
                    raise RegistryUnavailable("the MLflow client is not installed in this runtime") from exc
                if self._uri.startswith("sqlite:///"):
                    Path(self._uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
                self._client = MlflowClient(tracking_uri=self._uri, registry_uri=self._uri)
            return self._client

    def _call(self, operation: Callable[[], T], model: str) -> T:
        from mlflow.exceptions import MlflowException

        try:
            with self._lock:  # the local sqlite store is one file; one registry call at a time
                return operation()
        except MlflowException as exc:
            code = exc.error_code
            if code == "RESOURCE_DOES_NOT_EXIST":
                raise ModelNotFound(f"no registered model {model!r}") from exc
            if code == "RESOURCE_ALREADY_EXISTS":
                raise Conflict(f"the registry already holds this: {exc.message}") from exc
            if code == "INVALID_PARAMETER_VALUE":
                raise InvalidInput(f"the registry refused the request: {exc.message}") from exc
            raise RegistryUnavailable(f"the model registry failed: {code}") from exc
        except (OSError, ConnectionError) as exc:
            raise RegistryUnavailable(f"the model registry cannot be reached: {exc}") from exc


def _when(milliseconds: int | None) -> datetime:
    return datetime.fromtimestamp((milliseconds or 0) / 1000, tz=UTC)


def _version(item: Any) -> ModelVersionRecord:
    return ModelVersionRecord(
        model=item.name,
        version=str(item.version),
        created_at=_when(item.creation_timestamp),
        tags={str(key): str(value) for key, value in (item.tags or {}).items()},
    )


def _model(item: Any) -> RegisteredModelRecord:
    return RegisteredModelRecord(
        name=item.name,
        created_at=_when(item.creation_timestamp),
        updated_at=_when(item.last_updated_timestamp or item.creation_timestamp),
        aliases={str(alias): str(version) for alias, version in (item.aliases or {}).items()},
    )
