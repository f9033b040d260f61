"""cdk-nag AwsSolutions and cfn-lint over the whole app: nothing unacknowledged, no template error."""

from __future__ import annotations

from collections.abc import Callable

import pytest

pytest.importorskip("aws_cdk", reason="the cdk dependency group is not installed (make cdk-setup)")
from cfnlint.api import lint_file

from tests.infrastructure.conftest import Synthesized

pytestmark = pytest.mark.slow

MIN_REASON_LENGTH = 40
"""An acknowledgment says why in a sentence, not `ok` or `n/a`."""


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_given_app_when_synthesized_then_cdk_nag_reports_no_unacknowledged_finding(
    synthesize: Callable[[str], Synthesized], environment: str
) -> None:
    # Given / When: a synth that would have failed on an error; warnings would still be listed
    report = synthesize(environment).validation_report

    # Then
    (nag,) = [plugin for plugin in report["pluginReports"] if plugin["pluginName"] == "AwsSolutions"]
    assert nag["violations"] == []
    assert nag["conclusion"] == "success"


def test_given_acknowledged_findings_when_synthesized_then_each_has_a_specific_reason(
    dev: Synthesized,
) -> None:
    # When
    acknowledged = [
        finding
        for plugin in dev.validation_report["pluginReports"]
        for finding in plugin["suppressedViolations"]
        if finding["ruleName"].startswith("AwsSolutions-")
    ]

    # Then: every one is deliberate and explained, and they stay few
    assert acknowledged
    for finding in acknowledged:
        assert len(finding["reason"]) >= MIN_REASON_LENGTH, finding["ruleName"]
    rules = sorted({finding["ruleName"].split("[")[0] for finding in acknowledged})
    assert rules == [
        "AwsSolutions-APIG4",
        "AwsSolutions-COG2",
        "AwsSolutions-COG8",
        "AwsSolutions-ECS2",
        "AwsSolutions-IAM5",
        "AwsSolutions-L1",
        "AwsSolutions-RDS10",
        "AwsSolutions-RDS11",
        "AwsSolutions-RDS3",
        "AwsSolutions-S1",
        "AwsSolutions-SMG4",
        "AwsSolutions-SQS3",
    ]


def test_given_prod_when_synthesized_then_mfa_and_database_safety_are_not_acknowledged_away(
    prod: Synthesized,
) -> None:
    # When
    rules = {
        finding["ruleName"]
        for plugin in prod.validation_report["pluginReports"]
        for finding in plugin["suppressedViolations"]
    }

    # Then
    assert rules.isdisjoint({"AwsSolutions-COG2", "AwsSolutions-RDS3", "AwsSolutions-RDS10"})


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_given_every_synthesized_template_when_linted_then_cfn_lint_finds_no_error(
    synthesize: Callable[[str], Synthesized], environment: str
) -> None:
    # When
    templates = synthesize(environment).template_paths.values()
    matches = [match for path in templates for match in lint_file(path)]

    # Then: warnings (hard-coded AZs, redundant DependsOn from CDK) are allowed, errors are not
    errors = [
        f"{match.rule.id} {match.filename}: {match.message}"
        for match in matches
        if match.rule.id.startswith("E")
    ]
    assert errors == []
