"""The Lambda layer every TradAI function uses: the `tradai` package and its third-party wheels."""

from __future__ import annotations

from pathlib import Path

from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from cdk.constants import LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME


class SharedLayer(Construct):
    """A layer from a folder prepared without Docker (see `cdk.layer_build`)."""

    def __init__(self, scope: Construct, construct_id: str, *, layer_dir: Path) -> None:
        super().__init__(scope, construct_id)
        self.layer = lambda_.LayerVersion(
            self,
            "Layer",
            code=lambda_.Code.from_asset(str(layer_dir)),
            compatible_runtimes=[LAMBDA_RUNTIME],
            compatible_architectures=[LAMBDA_ARCHITECTURE],
            description="tradai package and its dependencies (layers/deps/requirements.txt)",
        )
