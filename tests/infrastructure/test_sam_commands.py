"""The README's `sam local invoke` commands name real functions of the synthesized templates."""

from __future__ import annotations

import re

import pytest

pytest.importorskip("aws_cdk", reason="the cdk dependency group is not installed (make cdk-setup)")

from tests.infrastructure.conftest import REPO_ROOT, Synthesized

COMMAND = re.compile(
    r"^sam local invoke -t cdk\.out/(?P<template>\w+)\.template\.json (?P<logical_id>\w+) "
    r"-e events/(?P<function>\w+)/(?P<event>\w+)\.json",
    re.MULTILINE,
)


def readme_commands() -> list[re.Match[str]]:
    return list(COMMAND.finditer((REPO_ROOT / "README.md").read_text()))


def test_given_the_readme_then_every_function_has_a_sam_command_and_no_event_twice() -> None:
    functions = {path.parent.name for path in (REPO_ROOT / "functions").glob("*/handler.py")}
    events = [(match["function"], match["event"]) for match in readme_commands()]
    assert {function for function, _ in events} == functions
    assert len(events) == len(set(events))


def test_given_each_sam_command_then_its_function_is_in_that_template_with_that_code(
    dev: Synthesized,
) -> None:
    paths = {path.name.removesuffix(".template.json"): name for name, path in dev.template_paths.items()}
    for match in readme_commands():
        # Given
        stack = paths[match["template"]]
        functions = dev.resources(stack, "AWS::Lambda::Function")

        # Then: the id exists there, deploys that folder's handler, and the event file exists
        assert match["logical_id"] in functions, match[0]
        name = functions[match["logical_id"]]["Properties"]["FunctionName"]
        assert str(name).endswith(f"-{match['function']}"), (match[0], name)
        assert (REPO_ROOT / "events" / match["function"] / f"{match['event']}.json").is_file(), match[0]
