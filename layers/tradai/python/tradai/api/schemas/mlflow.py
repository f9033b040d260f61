"""MLflow's own REST shapes (`registered-models/get`), for clients written against MLflow's API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from tradai.domain.registry_records import ModelVersionRecord, RegisteredModelRecord


class MlflowTag(BaseModel):
    """A tag as MLflow lists it."""

    key: str
    value: str


class MlflowAlias(BaseModel):
    """An alias and the registry version it points at."""

    alias: str
    version: str


class MlflowModelVersion(BaseModel):
    """A model version as MLflow's REST API shows it."""

    name: str
    version: str
    creation_timestamp: int
    current_stage: str = "None"
    status: str = "READY"
    aliases: list[str]
    tags: list[MlflowTag]


class MlflowRegisteredModel(BaseModel):
    """A registered model as MLflow's REST API shows it, with every version."""

    name: str
    creation_timestamp: int
    last_updated_timestamp: int
    aliases: list[MlflowAlias]
    latest_versions: list[MlflowModelVersion]


class MlflowRegisteredModelResponse(BaseModel):
    """The body of MLflow's `GET /api/2.0/mlflow/registered-models/get`."""

    registered_model: MlflowRegisteredModel

    @classmethod
    def of(
        cls, model: RegisteredModelRecord, versions: list[ModelVersionRecord]
    ) -> MlflowRegisteredModelResponse:
        """MLflow's shape of a model and its versions."""
        return cls(
            registered_model=MlflowRegisteredModel(
                name=model.name,
                creation_timestamp=_millis(model.created_at),
                last_updated_timestamp=_millis(model.updated_at),
                aliases=[
                    MlflowAlias(alias=alias, version=number)
                    for alias, number in sorted(model.aliases.items())
                ],
                latest_versions=[
                    MlflowModelVersion(
                        name=record.model,
                        version=record.version,
                        creation_timestamp=_millis(record.created_at),
                        aliases=sorted(a for a, number in model.aliases.items() if number == record.version),
                        tags=[MlflowTag(key=key, value=value) for key, value in sorted(record.tags.items())],
                    )
                    for record in versions
                ],
            )
        )


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
