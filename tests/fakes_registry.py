"""An in-memory ModelRegistry, held to the same contract as MLflow's (tests/contract)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime

from tradai.domain.registry import ModelNotFound
from tradai.domain.registry_records import ModelVersionRecord, RegisteredModelRecord


class FakeModelRegistry:
    """Models, versions, tags and aliases in dictionaries; `fail` makes every call raise it."""

    name = "fake"

    def __init__(self) -> None:
        self.models: dict[str, RegisteredModelRecord] = {}
        self.versions: dict[str, list[ModelVersionRecord]] = {}
        self.fail: Exception | None = None

    def create_version(
        self, model: str, *, tags: Mapping[str, str], description: str = ""
    ) -> ModelVersionRecord:
        self._maybe_fail()
        now = datetime.now(UTC)
        self.models.setdefault(model, RegisteredModelRecord(name=model, created_at=now, updated_at=now))
        versions = self.versions.setdefault(model, [])
        record = ModelVersionRecord(
            model=model, version=str(len(versions) + 1), created_at=now, tags=dict(tags)
        )
        versions.append(record)
        return record

    def set_tags(self, model: str, version: str, tags: Mapping[str, str]) -> None:
        versions = self._versions(model)
        for index, record in enumerate(versions):
            if record.version == version:
                versions[index] = replace(record, tags={**record.tags, **tags})
                return
        raise ModelNotFound(f"model {model!r} has no version {version}")

    def set_alias(self, model: str, alias: str, version: str) -> None:
        if version not in {record.version for record in self._versions(model)}:
            raise ModelNotFound(f"model {model!r} has no version {version}")
        current = self.models[model]
        self.models[model] = replace(current, aliases={**current.aliases, alias: version})

    def delete_alias(self, model: str, alias: str) -> None:
        current = self.get_model(model)
        self.models[model] = replace(
            current, aliases={k: v for k, v in current.aliases.items() if k != alias}
        )

    def get_model(self, model: str) -> RegisteredModelRecord:
        self._maybe_fail()
        if model not in self.models:
            raise ModelNotFound(f"no registered model {model!r}")
        return self.models[model]

    def list_models(self) -> list[RegisteredModelRecord]:
        self._maybe_fail()
        return sorted(self.models.values(), key=lambda record: record.name)

    def list_versions(self, model: str) -> list[ModelVersionRecord]:
        return list(self._versions(model))

    def _versions(self, model: str) -> list[ModelVersionRecord]:
        self.get_model(model)
        return self.versions[model]

    def _maybe_fail(self) -> None:
        if self.fail is not None:
            raise self.fail
