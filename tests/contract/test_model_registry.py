"""The ModelRegistry contract, on MLflow (in-process, sqlite) and on the in-memory fake tests use."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.fakes_registry import FakeModelRegistry
from tradai.adapters.mlflow_registry import MlflowModelRegistry
from tradai.domain.registry import ModelNotFound
from tradai.ports import ModelRegistry

pytestmark = pytest.mark.slow  # MLflow's first import and schema migration take seconds


@pytest.fixture(scope="module")
def mlflow_uri(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('mlflow') / 'mlflow.db'}"


@pytest.fixture(scope="module")
def mlflow_registry(mlflow_uri: str) -> MlflowModelRegistry:
    return MlflowModelRegistry(mlflow_uri)  # one store per module: migrations cost seconds


@pytest.fixture(params=["fake", "mlflow"])
def registry(request: pytest.FixtureRequest, mlflow_registry: MlflowModelRegistry) -> ModelRegistry:
    return FakeModelRegistry() if request.param == "fake" else mlflow_registry


@pytest.fixture
def model() -> str:
    return f"Strategy_{uuid.uuid4().hex[:8]}"  # the MLflow store is shared by the module's tests


def test_given_versions_when_created_then_numbered_with_their_tags(
    registry: ModelRegistry, model: str
) -> None:
    # When
    first = registry.create_version(model, tags={"strategy_version": "1.0.0", "stage": "staging"})
    second = registry.create_version(model, tags={"strategy_version": "1.1.0"})

    # Then
    assert (first.version, second.version) == ("1", "2")
    versions = registry.list_versions(model)
    assert [v.strategy_version for v in versions] == ["1.0.0", "1.1.0"]
    assert versions[0].tags["stage"] == "staging"
    assert versions[0].created_at.tzinfo is not None


def test_given_version_when_tagged_then_tags_merge(registry: ModelRegistry, model: str) -> None:
    version = registry.create_version(model, tags={"stage": "staging", "code_hash": "abc"}).version
    registry.set_tags(model, version, {"stage": "prod", "metrics": '{"sharpe_ratio": 1.2}'})
    (record,) = registry.list_versions(model)
    assert record.tags == {"stage": "prod", "code_hash": "abc", "metrics": '{"sharpe_ratio": 1.2}'}
    assert record.metrics == {"sharpe_ratio": 1.2}


def test_given_alias_when_moved_then_one_version_holds_it(registry: ModelRegistry, model: str) -> None:
    # Given
    one = registry.create_version(model, tags={}).version
    two = registry.create_version(model, tags={}).version

    # When
    registry.set_alias(model, "champion", one)
    registry.set_alias(model, "challenger", two)
    registry.set_alias(model, "champion", two)
    registry.delete_alias(model, "challenger")
    registry.delete_alias(model, "challenger")  # absent: not an error

    # Then
    assert registry.get_model(model).aliases == {"champion": two}


def test_given_unknown_model_when_read_then_model_not_found(registry: ModelRegistry, model: str) -> None:
    with pytest.raises(ModelNotFound):
        registry.get_model(model)
    with pytest.raises(ModelNotFound):
        registry.list_versions(model)
    with pytest.raises(ModelNotFound):
        registry.set_alias(model, "champion", "1")


def test_given_models_when_listed_then_sorted_by_name(registry: ModelRegistry, model: str) -> None:
    registry.create_version(f"{model}_b", tags={})
    registry.create_version(f"{model}_a", tags={})
    names = [m.name for m in registry.list_models() if m.name.startswith(model)]
    assert names == [f"{model}_a", f"{model}_b"]


def test_given_mlflow_store_when_reopened_by_a_new_client_then_everything_is_there(
    mlflow_uri: str, model: str
) -> None:
    # Given: a version with an alias written by one client
    first = MlflowModelRegistry(mlflow_uri)
    version = first.create_version(model, tags={"strategy_version": "2.0.0"}).version
    first.set_alias(model, "champion", version)

    # When: another client (a restarted server) opens the same store
    reopened = MlflowModelRegistry(mlflow_uri)

    # Then
    assert reopened.get_model(model).aliases == {"champion": version}
    assert [v.strategy_version for v in reopened.list_versions(model)] == ["2.0.0"]


def test_given_local_store_path_when_first_used_then_its_folder_is_created(tmp_path: Path) -> None:
    registry = MlflowModelRegistry(f"sqlite:///{tmp_path / 'deep' / 'er' / 'mlflow.db'}")
    assert registry.list_models() == []
    assert (tmp_path / "deep" / "er" / "mlflow.db").exists()
