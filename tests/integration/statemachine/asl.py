"""The backtest state machine as CDK deploys it, with test values for its substitutions."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.events import ROOT

DEFINITION = ROOT / "statemachines" / "backtest.asl.json"
README = ROOT / "statemachines" / "README.md"
PLACEHOLDER = re.compile(r"\$\{([A-Za-z]+)\}")


def substituted(values: dict[str, str]) -> dict[str, Any]:
    """The definition with every `${Key}` replaced, as CloudFormation does."""
    text = DEFINITION.read_text()
    missing = set(PLACEHOLDER.findall(text)) - set(values)
    assert not missing, f"no test value for {missing}"
    definition: dict[str, Any] = json.loads(PLACEHOLDER.sub(lambda m: values[m.group(1)], text))
    return definition


def sample_values(table: str) -> dict[str, str]:
    """A value for every substitution key, shaped like the real ones."""
    account = "arn:aws:{}:eu-central-1:123456789012:{}"
    return {
        "JobsTableName": table,
        "PlanFunctionArn": account.format("lambda", "function:tradai-backtest-plan"),
        "AggregateFunctionArn": account.format("lambda", "function:tradai-backtest-aggregate"),
        "ClusterArn": account.format("ecs", "cluster/tradai"),
        "WorkerTaskDefinitionArn": account.format("ecs", "task-definition/tradai-worker:1"),
        "WorkerContainerName": "worker",
        "SubnetIds": "subnet-0a,subnet-0b",
        "SecurityGroupIds": "sg-0a",
    }
