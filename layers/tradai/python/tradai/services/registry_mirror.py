"""Make the model registry show what the store decided: a model version per staged or promoted
strategy version (tags: stage, code hash, config id, backtest job id, metrics), `champion` on the
prod version and `challenger` on the staging one.

The store is the source of truth (its transactions make stage changes atomic); the registry is
re-synced after every change, so a registry outage delays the mirror but never splits the state.
"""

from __future__ import annotations

import json
import logging

from tradai.domain.errors import Unavailable
from tradai.domain.registry import ModelNotFound
from tradai.domain.registry_records import (
    CHALLENGER,
    CHAMPION,
    TAG_BACKTEST_JOB_ID,
    TAG_CODE_HASH,
    TAG_CONFIG_ID,
    TAG_METRICS,
    TAG_STAGE,
    TAG_STRATEGY_VERSION,
)
from tradai.domain.strategy_versions import Stage, StrategyVersion
from tradai.ports import ModelRegistry
from tradai.services.version_metrics import BacktestEvidence

log = logging.getLogger(__name__)


def mirror_versions(
    *, registry: ModelRegistry, versions: list[StrategyVersion], evidence: dict[str, BacktestEvidence]
) -> bool:
    """Bring the registry in line with `versions` (one strategy's); False when it could not be reached.

    Args:
        registry: the model registry.
        versions: every version of one strategy, as stored.
        evidence: the latest completed backtest per version, by version.
    """
    name = versions[0].name
    try:
        _mirror(registry, name, versions, evidence)
    except Unavailable as exc:
        log.warning("model registry not updated for %s: %s", name, exc.detail, extra={"code": exc.code})
        return False
    return True


def _mirror(
    registry: ModelRegistry, name: str, versions: list[StrategyVersion], evidence: dict[str, BacktestEvidence]
) -> None:
    try:
        existing = {record.strategy_version: record for record in registry.list_versions(name)}
    except ModelNotFound:
        existing = {}
    numbers: dict[str, str] = {}
    for version in versions:
        record = existing.get(version.version)
        if record is None and version.stage is Stage.DEV:
            continue  # a version enters the registry when it is first staged or promoted
        tags = _tags(version, evidence.get(version.version))
        if record is None:
            record = registry.create_version(name, tags=tags, description=version.description)
        elif any(record.tags.get(key) != value for key, value in tags.items()):
            registry.set_tags(name, record.version, tags)
        numbers[version.version] = record.version
    if not numbers:
        return
    for alias, stage in ((CHAMPION, Stage.PROD), (CHALLENGER, Stage.STAGING)):
        holder = next((v.version for v in versions if v.stage is stage and v.version in numbers), None)
        if holder is None:
            registry.delete_alias(name, alias)
        else:
            registry.set_alias(name, alias, numbers[holder])


def _tags(version: StrategyVersion, evidence: BacktestEvidence | None) -> dict[str, str]:
    tags = {
        TAG_STRATEGY_VERSION: version.version,
        TAG_STAGE: version.stage.value,
        TAG_CODE_HASH: version.code_hash,
    }
    if version.validation_config_id:
        tags[TAG_CONFIG_ID] = version.validation_config_id
    job_id = version.validation_job_id or (evidence.job_id if evidence else None)
    if job_id:
        tags[TAG_BACKTEST_JOB_ID] = job_id
    if evidence is not None:
        tags[TAG_METRICS] = json.dumps(evidence.metrics.model_dump(exclude_none=True), sort_keys=True)
    return tags
